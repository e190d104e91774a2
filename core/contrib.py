"""The things plugins hand to the host through hooks."""
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Permission:
    name: str  # "<area>.<verb>", e.g. "competitions.manage"
    title: Any  # a lazy translated string
    default_roles: tuple = ("admin",)


@dataclass
class NavItem:
    label: Any
    endpoint: str | None = None
    url: str | None = None
    order: int = 100
    permission: str | None = None  # hidden from users without it
    values: dict = field(default_factory=dict)


@dataclass
class AdminSection:
    label: Any
    endpoint: str
    permission: str
    order: int = 100


@dataclass
class DashboardCard:
    title: Any
    template: str  # rendered with the card's context plus `user`
    context: dict = field(default_factory=dict)
    order: int = 100


@dataclass
class ContentBlock:
    name: str  # unique, "<plugin>.<block>"
    title: Any
    render: Callable[[dict], Any]  # context -> Markup
    home: bool = False  # shown on the home page
    order: int = 100


@dataclass
class SearchDocument:
    url: str
    title: str
    text: str
    kind: str
    updated_at: Any = None
