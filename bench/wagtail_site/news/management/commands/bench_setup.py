"""Make the site's root serve /news/<slug>/: a news index under the default home page, and the
news page copied from Guildhall's demo post (the JSON file bench_wagtail.py wrote)."""
import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand
from wagtail.models import Page, Site

from news.models import NewsIndexPage, NewsPage


class Command(BaseCommand):
    help = "Create the bench's news index and news page (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("content", help="JSON with the post: slug, title, date, intro, body")

    def handle(self, *args, **options):
        post = json.loads(Path(options["content"]).read_text())["post"]
        site = Site.objects.get(is_default_site=True)
        home = site.root_page.specific
        index = NewsIndexPage.objects.child_of(home).filter(slug="news").first()
        if index is None:
            index = home.add_child(instance=NewsIndexPage(title="新闻", slug="news"))
        page = NewsPage.objects.child_of(index).filter(slug=post["slug"]).first()
        if page is None:
            page = index.add_child(instance=NewsPage(title=post["title"], slug=post["slug"],
                                                     date=datetime.date.fromisoformat(post["date"]),
                                                     intro=post["intro"], body=post["body"]))
            page.save_revision().publish()
        self.stdout.write(page.url)
