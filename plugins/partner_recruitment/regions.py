"""China's administrative divisions (province / city / county) from the shipped data/regions.json.

Codes are GB/T 2260. Municipalities (北京市 ...) have one city level named like the
province, whose counties are its districts; county-level units governed directly by a
province (济源市, 仙桃市, 石河子市 ...) and cities without counties (东莞市, 中山市) are
cities with no county level, so a county is required only where the city has some.
"""
import json
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"


@lru_cache(maxsize=1)
def tree():
    """{province code: (name, {city code: (name, {county code: name})})}"""
    with DATA.open(encoding="utf-8") as handle:
        raw = json.load(handle)["regions"]
    return {code: (name, {city: (city_name, dict(counties)) for city, city_name, counties in cities})
            for code, name, cities in raw}


def provinces():
    return [(code, name) for code, (name, _cities) in tree().items()]


def cities(province):
    entry = tree().get(province)
    return [(code, name) for code, (name, _counties) in entry[1].items()] if entry else []


def counties(province, city):
    entry = tree().get(province)
    if not entry or city not in entry[1]:
        return []
    return list(entry[1][city][1].items())


def resolve(province, city, county):
    """(names, error) for a chosen triple: error is None, "province", "city" or "county"."""
    entry = tree().get(province or "")
    if entry is None:
        return None, "province"
    city_entry = entry[1].get(city or "")
    if city_entry is None:
        if not entry[1] and not city and not county:  # Hong Kong, Macao, Taiwan: no lower levels here
            return [entry[0]], None
        return None, "city"
    if not city_entry[1]:
        return ([entry[0], city_entry[0]], None) if not county else (None, "county")
    name = city_entry[1].get(county or "")
    if name is None:
        return None, "county"
    return [entry[0], city_entry[0], name], None


def children_json():
    """The whole tree in the nested-list shape the browser's cascading selects read."""
    return [[code, name, [[city, city_name, list(counties.items())] for city, (city_name, counties)
                          in cities.items()]] for code, (name, cities) in tree().items()]
