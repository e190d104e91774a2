"""JSON API for pages and news: /api/v1/pages and /api/v1/pages/<id>.

Permissions follow the admin: anyone may read what is published (or scheduled
and due); drafts, scheduled and archived pages and every change need
content.edit. Every write goes through core.pages.service.save_page, so the
body is sanitised, the slug checked and a revision recorded as in the admin.
"""
from flask import jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.api.errors import ApiError, json_body
from core.api.page_schemas import PageCreateSchema, PageInputSchema, PageListQuerySchema, PageListSchema, PageSchema
from core.api.views import MAX_ID, bp
from core.audit import audit
from core.extensions import db
from core.pages.models import Page, Section
from core.pages.service import PageError, delete_page, save_page
from core.permissions import permission_required, public, user_has_permission

EDIT = "content.edit"
# Service field names that the API calls differently.
API_FIELDS = {"section_id": "section", "cover_id": "cover"}


def may_edit():
    return current_user.is_authenticated and user_has_permission(current_user, EDIT)


def _page(page_id, *, for_edit=False):
    page = db.session.get(Page, page_id) if page_id <= MAX_ID else None
    if page is None or not (for_edit or may_edit() or page.is_visible()):
        raise ApiError(404, _("There is no such page."))
    return page


def _service_data(changes):
    """API fields to what save_page takes: the section by slug, the rest as they are."""
    data = dict(changes)
    if "section" in data:
        slug = data.pop("section")
        if slug is None:
            data["section_id"], data["kind"] = None, "page"
        else:
            section = db.session.scalar(db.select(Section).where(Section.slug == slug))
            if section is None:
                raise ApiError(
                    422,
                    _("Some fields are not valid."),
                    fields={"section": [_("There is no section %(slug)s.", slug=slug)]},
                )
            data["section_id"], data["kind"] = section.id, "news"
    if "publish_at" in data and data["publish_at"] is not None:
        data["publish_at"] = data["publish_at"].isoformat()
    return data


def _save(page, changes, note):
    data = _service_data(changes)
    try:
        return save_page(page, data, current_user._get_current_object(), note)
    except PageError as error:
        db.session.rollback()
        if error.conflict:
            raise ApiError(409, error.message) from None
        if error.field is None:
            raise ApiError(422, error.message) from None
        field = API_FIELDS.get(error.field, error.field)
        raise ApiError(422, _("Some fields are not valid."), fields={field: [error.message]}) from None


def _dump(page):
    return PageSchema().dump(page)


@bp.route("/pages")
@public
def list_pages():
    """Pages and news, newest first, a page at a time.
    ---
    get:
      summary: List pages and news
      description: Anyone sees what is published (or scheduled and due); a token with
        content.edit also sees drafts, scheduled and archived pages.
      security:
      - {}
      - bearerAuth: []
      parameters:
      - in: query
        schema: PageListQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: PageListSchema
        422:
          $ref: '#/components/responses/Invalid'
    """
    query = PageListQuerySchema().load(request.args.to_dict())
    select = db.select(Page)
    if not may_edit():
        select = select.where(Page.visible_filter())
    if "status" in query:
        select = select.where(Page.status == query["status"])
    if "kind" in query:
        select = select.where(Page.section_id.is_not(None) if query["kind"] == "news" else Page.section_id.is_(None))
    if "section" in query:
        select = select.join(Section, Section.id == Page.section_id).where(Section.slug == query["section"])
    if "q" in query:
        text = query["q"]
        select = select.where(
            db.or_(
                Page.title.icontains(text, autoescape=True),
                Page.summary.icontains(text, autoescape=True),
                Page.body.icontains(text, autoescape=True),
            )
        )
    found = db.paginate(
        select.options(selectinload(Page.tags), selectinload(Page.section)).order_by(
            db.func.coalesce(Page.publish_at, Page.created_at).desc(), Page.id.desc()
        ),
        page=query["page"],
        per_page=query["per_page"],
        error_out=False,
    )
    return jsonify(PageListSchema().dump(found))


@bp.route("/pages", methods=["POST"])
@permission_required(EDIT)
def create_page():
    """Create a page or a news post.
    ---
    post:
      summary: Create a page or a news post
      description: With a section it is a news post, without one a fixed page (parent_id
        places it in the tree). The body is sanitised; the first revision is recorded.
      requestBody:
        required: true
        content:
          application/json:
            schema: PageCreateSchema
      responses:
        201:
          content:
            application/json:
              schema: PageSchema
        400:
          $ref: '#/components/responses/BadRequest'
        409:
          description: Another page already uses the slug.
          content:
            application/json:
              schema: ErrorResponseSchema
        422:
          $ref: '#/components/responses/Invalid'
    """
    changes = PageCreateSchema().load(json_body())
    changes.pop("base_revision", None)
    changes.setdefault("status", "draft")
    page = _save(Page(), changes, _("Created through the API"))
    response = jsonify(_dump(page))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_page", page_id=page.id, _external=True)
    return response


@bp.route("/pages/<int:page_id>")
@public
def get_page(page_id):
    """One page or news post.
    ---
    get:
      summary: One page or news post
      description: Drafts and pages not yet due answer 404 without a token holding content.edit.
      security:
      - {}
      - bearerAuth: []
      responses:
        200:
          content:
            application/json:
              schema: PageSchema
        404:
          $ref: '#/components/responses/NotFound'
    """
    return jsonify(_dump(_page(page_id)))


@bp.route("/pages/<int:page_id>", methods=["PATCH", "PUT"])
@permission_required(EDIT)
def update_page(page_id):
    """Change a page; only the fields sent change, and a new revision is recorded.
    ---
    patch: &update
      summary: Change a page
      requestBody:
        required: true
        content:
          application/json:
            schema: PageInputSchema
      responses:
        200:
          content:
            application/json:
              schema: PageSchema
        400:
          $ref: '#/components/responses/BadRequest'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          description: Another page already uses the slug, or someone saved since base_revision.
          content:
            application/json:
              schema: ErrorResponseSchema
        422:
          $ref: '#/components/responses/Invalid'
    put:
      <<: *update
      summary: Change a page (same as PATCH)
      description: Only the fields sent change, as with PATCH.
    """
    page = _page(page_id, for_edit=True)
    changes = PageInputSchema().load(json_body())
    return jsonify(_dump(_save(page, changes, _("Changed through the API"))))


@bp.route("/pages/<int:page_id>", methods=["DELETE"])
@permission_required(EDIT)
def remove_page(page_id):
    """Delete a page with its revisions.
    ---
    delete:
      summary: Delete a page
      responses:
        204:
          description: Deleted.
        404:
          $ref: '#/components/responses/NotFound'
        409:
          description: The page has sub-pages; move or delete them first.
          content:
            application/json:
              schema: ErrorResponseSchema
    """
    page = _page(page_id, for_edit=True)
    audit("page.deleted", page.title, id=page.id, via="api")
    try:
        delete_page(page)
    except PageError as error:
        db.session.rollback()
        raise ApiError(409, error.message) from None
    return "", 204
