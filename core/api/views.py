from flask import Blueprint, jsonify

from core.permissions import public

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/")
@public
def index():
    return jsonify({"name": "guildhall", "version": 1})
