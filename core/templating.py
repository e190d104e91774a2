"""Template globals as plain dicts.

Jinja gives every template its globals as ``ChainMap(template's own, environment's)``, so a
template sees globals added to the environment after it was loaded. Each render copies that
map into a dict and a set (``jinja2.runtime.new_context``), and each ``{% import %}`` takes its
keys apart; on a ChainMap each of these walks every key through Python code, about 20 µs a
render, several times a page. Here the environment's globals are a dict that copies every
change into each template's globals, and a template's globals are a dict holding both layers,
its own winning: the same lookups and the same late additions, at dict speed.
"""
import weakref

from flask.templating import Environment, _default_template_ctx_processor

_MISSING = object()


class _WritesOneByOne(dict):
    """dict's bulk writes, each going through __setitem__ (dict's own skip an overridden one)."""

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


class SharedGlobals(_WritesOneByOne):
    """The environment's globals: every change is copied into the templates' LayeredGlobals."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._layers = {}  # id -> weak reference (a dict is not hashable: no WeakSet)

    def _add_layer(self, layer):
        key = id(layer)
        self._layers[key] = weakref.ref(layer, lambda _ref: self._layers.pop(key, None))

    def _changed(self, key):
        value = dict.get(self, key, _MISSING)
        for reference in list(self._layers.values()):
            layer = reference()
            if layer is not None:
                layer._shared_changed(key, value)

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self._changed(key)

    def __delitem__(self, key):
        super().__delitem__(key)
        self._changed(key)

    def pop(self, key, *default):
        value = super().pop(key, *default)
        self._changed(key)
        return value

    def popitem(self):
        key, value = super().popitem()
        self._changed(key)
        return key, value

    def clear(self):
        keys = list(self)
        super().clear()
        for key in keys:
            self._changed(key)


class LayeredGlobals(_WritesOneByOne):
    """One template's globals: its own (``own``) over the environment's (``shared``). Writes go to
    its own layer, as they would go to a ChainMap's first map."""

    def __init__(self, own, shared):
        super().__init__(shared)
        dict.update(self, own)  # dict's own: the layers are not set up yet
        self.own = own
        self.shared = shared
        shared._add_layer(self)

    def _shared_changed(self, key, value):
        if key in self.own:
            return
        if value is _MISSING:
            super().pop(key, None)
        else:
            super().__setitem__(key, value)

    def __setitem__(self, key, value):
        self.own[key] = value
        super().__setitem__(key, value)

    def __delitem__(self, key):
        del self.own[key]  # as a ChainMap: only the template's own may be deleted
        self._restore(key)

    def _restore(self, key):
        value = dict.get(self.shared, key, _MISSING)
        if value is _MISSING:
            super().pop(key, None)
        else:
            super().__setitem__(key, value)

    def pop(self, key, *default):
        if key in self.own:
            value = self.own.pop(key)
            self._restore(key)
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def popitem(self):
        if not self.own:
            raise KeyError("popitem(): the template has no globals of its own")
        key = next(reversed(self.own))
        return key, self.pop(key)

    def clear(self):
        """As a ChainMap's: the template's own globals go, the environment's show again."""
        for key in list(self.own):
            del self[key]


class GuildhallEnvironment(Environment):
    """Flask's template environment with SharedGlobals and LayeredGlobals."""

    def __init__(self, app, **options):
        super().__init__(app, **options)
        self.globals = SharedGlobals(self.globals)

    def make_globals(self, d):
        return LayeredGlobals({} if d is None else d, self.globals)


def prune_context_processors(app):
    """Flask gives every blueprint its own copy of the default context processor (request,
    session, g), so a blueprint's page ran it twice per render; the app's copy is enough."""
    for key, processors in app.template_context_processors.items():
        if key is not None:
            processors[:] = [p for p in processors if p is not _default_template_ctx_processor]
