"""The template's rule set (rules.py), its Jinja extension and the lock pruner, imported by the
template's own tooling. Cookiecutter runs pre_gen_project.py and post_gen_project.py as scripts.
"""
