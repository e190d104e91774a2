"""What gunicorn and `flask --app wsgi` load."""
import gc

from core.app import create_app

app = create_app()
# Everything loaded so far (modules, the app, its templates' code) lives as long as the process:
# moved out of the collector's reach, a full collection walks only what requests made since
# (with thousands of open live streams it otherwise walked half a million objects, ~0.3 s a time).
gc.freeze()
