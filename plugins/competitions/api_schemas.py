"""marshmallow schemas of /api/v1/competitions: what the public results API answers."""
from datetime import timezone

from marshmallow import Schema, fields


class UtcDateTime(fields.DateTime):
    """A naive UTC time from the database as ISO 8601 with its offset (+00:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class CompetitionStageSchema(Schema):
    kind = fields.String(metadata={"description": "submission, screening, judging, voting or results"})
    label = fields.String()
    opens_at = UtcDateTime(metadata={"description": "ISO 8601, UTC"})
    closes_at = UtcDateTime(metadata={"description": "ISO 8601, UTC"})


class CompetitionSummarySchema(Schema):
    slug = fields.String()
    title = fields.String()
    year = fields.Integer(allow_none=True)
    stages = fields.List(fields.Nested(CompetitionStageSchema))
    results_published = fields.Boolean()
    results_published_at = UtcDateTime(allow_none=True)


class CompetitionListSchema(Schema):
    items = fields.List(fields.Nested(CompetitionSummarySchema))


class CompetitionResultSchema(Schema):
    """One ranked entry as published; the three scores only when the competition shares scores."""

    category = fields.String()
    rank = fields.Integer(metadata={"description": "Rank in the category; tied entries share it"})
    tied = fields.Boolean()
    number = fields.String(allow_none=True)
    organisation = fields.String()
    title = fields.String()
    tier = fields.String(allow_none=True)
    recommended_onward = fields.Boolean()
    special_awards = fields.List(fields.String())
    expert_score = fields.Float(metadata={"description": "Only when the competition shares scores"})
    vote_score = fields.Float(metadata={"description": "Only when the competition shares scores"})
    final_score = fields.Float(metadata={"description": "Only when the competition shares scores"})


class CompetitionCategoryResultsSchema(Schema):
    name = fields.String()
    results = fields.List(fields.Nested(CompetitionResultSchema),
                          metadata={"description": "Awarded entries, by tier then rank"})


class CompetitionSpecialWinnerSchema(Schema):
    category = fields.String()
    number = fields.String(allow_none=True)
    organisation = fields.String()
    title = fields.String()


class CompetitionSpecialAwardSchema(Schema):
    name = fields.String()
    winners = fields.List(fields.Nested(CompetitionSpecialWinnerSchema))


class CompetitionResultsSchema(Schema):
    slug = fields.String()
    title = fields.String()
    year = fields.Integer(allow_none=True)
    published_at = UtcDateTime()
    share_scores = fields.Boolean()
    categories = fields.List(fields.Nested(CompetitionCategoryResultsSchema))
    special_awards = fields.List(fields.Nested(CompetitionSpecialAwardSchema))
