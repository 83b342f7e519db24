"""The QR sheet: each code is the form's address for its place and equipment (with the
site's token where the site asks for one), and its caption names the place."""

from urllib.parse import parse_qs, urlparse

import segno

from complaint_desk.services.intake.public.pages import form_url, site_token
from complaint_desk.services.intake.public.qr import _paths, sheet
from complaint_desk.services.intake.settings import IntakeSettings


def test_each_code_opens_the_form_at_its_place_with_the_sites_token() -> None:
    settings = IntakeSettings(
        public_sites={"HQ": "總院區"}, form_token_sites=frozenset({"HQ"}),
        public_base_url="https://desk.example.org",
    )  # fmt: skip
    url = form_url(settings, "HQ", "3F 茶水間", "飲水機 #2")
    parts = urlparse(url)
    query = parse_qs(parts.query)
    assert (parts.netloc, parts.path) == ("desk.example.org", "/report/HQ")
    assert query == {
        "via": ["qr"], "place": ["3F 茶水間"], "asset": ["飲水機 #2"],
        "t": [site_token(settings, "HQ")],
    }  # fmt: skip
    svg = sheet(settings, "HQ", [("3F 茶水間", "飲水機 #2"), ("B1 停車場", "")])
    drawn = _paths(segno.make(url, error="m").svg_inline(scale=1, border=0, omitsize=True))
    assert drawn in svg, "the code on the sheet is the form's address"
    assert "3F 茶水間 · 飲水機 #2" in svg and "B1 停車場" in svg and "總院區" in svg


def test_a_site_without_a_token_gets_links_without_one() -> None:
    settings = IntakeSettings(public_sites={"HS": "醫院"})
    assert "t=" not in form_url(settings, "HS", "1F")
    assert site_token(settings, "HS") != site_token(settings, "HQ")
