"""/api/v1/competitions: the listed competitions and their published results (public, read-only).

The YAML after '---' in each docstring goes into the OpenAPI document.
"""
from flask import jsonify
from flask_babel import gettext as _

from core.api.errors import ApiError
from core.extensions import db
from core.permissions import public
from plugins.competitions import results as service
from plugins.competitions.api_schemas import CompetitionListSchema, CompetitionResultsSchema
from plugins.competitions.models import Competition
from plugins.competitions.views import api_bp


@api_bp.route("", endpoint="list")
@public
def list_competitions():
    """Listed competitions with their stages.
    ---
    get:
      summary: List competitions
      description: Every competition shown on the public site, newest year first, with the
        open and close times of its stages (ISO 8601, UTC) and whether results are published.
      security: []
      responses:
        200:
          content:
            application/json:
              schema: CompetitionListSchema
    """
    competitions = db.session.scalars(
        db.select(Competition).where(Competition.listed.is_(True))
        .order_by(Competition.year.desc().nulls_last(), Competition.id.desc())
    ).all()
    items = [
        {
            "slug": competition.slug,
            "title": competition.title,
            "year": competition.year,
            "stages": [{"kind": stage.kind, "label": str(stage.label), "opens_at": stage.opens_at,
                        "closes_at": stage.closes_at} for stage in competition.stages],
            "results_published": competition.results_published,
            "results_published_at": competition.results_published_at,
        }
        for competition in competitions
    ]
    return jsonify(CompetitionListSchema().dump({"items": items}))


def result_data(competition, result):
    data = {
        "category": result.category.name,
        "rank": result.rank,
        "tied": result.tied,
        "number": result.entry.number,
        "organisation": result.entry.organisation.name,
        "title": result.entry.title,
        "tier": result.tier,
        "recommended_onward": result.recommended_onward,
        "special_awards": list(result.special_awards or []),
    }
    if competition.share_scores:
        data.update(expert_score=result.expert_score, vote_score=result.vote_score, final_score=result.final_score)
    return data


def results_data(competition):
    """The published results as the API answers them, in the public page's order."""
    return {
        "slug": competition.slug,
        "title": competition.title,
        "year": competition.year,
        "published_at": competition.results_published_at,
        "share_scores": competition.share_scores,
        "categories": [
            {"name": category.name, "results": [result_data(competition, result) for result in rows]}
            for category, rows in service.published_by_category(competition)
        ],
        "special_awards": [
            {"name": name, "winners": [{"category": result.category.name, "number": result.entry.number,
                                        "organisation": result.entry.organisation.name,
                                        "title": result.entry.title} for result in rows]}
            for name, rows in service.published_specials(competition)
        ],
    }


@api_bp.route("/<slug>/results")
@public
def results(slug):
    """A competition's published results.
    ---
    get:
      summary: Published results of a competition
      description: Per category, the awarded entries by tier then rank (ties share a rank),
        and the special awards. Scores are included only when the competition shares them.
      security: []
      responses:
        200:
          content:
            application/json:
              schema: CompetitionResultsSchema
        404:
          $ref: '#/components/responses/NotFound'
    """
    competition = db.session.scalar(db.select(Competition).where(Competition.slug == slug[:120]))
    if competition is None or not competition.listed or not competition.results_published:
        raise ApiError(404, _("There is no such competition, or its results are not published."))
    return jsonify(CompetitionResultsSchema().dump(results_data(competition)))
