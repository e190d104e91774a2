from django.conf import settings


def site_menus(request):
    content = settings.BENCH_CONTENT
    return {"site_name": content["site_name"], "menu": content["menus"]["main"], "footer": content["menus"]["footer"]}
