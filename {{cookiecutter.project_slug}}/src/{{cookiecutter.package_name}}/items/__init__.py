"""Items: an example domain. {% if 'auth' in cookiecutter | features %}Each item belongs to one user; others cannot see it.{% else %}Items are public: there are no users.{% endif %}"""
