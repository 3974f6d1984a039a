"""The baked app with the middleware layers named in AB_DROP removed: an A/B of what each costs.

Starlette builds its middleware stack on the first request, so layers removed from
`user_middleware` after `create_app()` are never built.
"""

import importlib
import os

create_app = importlib.import_module(f"{os.environ['AB_PACKAGE']}.main").create_app
app = create_app()
dropped = {name for name in os.environ.get("AB_DROP", "").split(",") if name}
app.user_middleware = [layer for layer in app.user_middleware if layer.cls.__name__ not in dropped]
