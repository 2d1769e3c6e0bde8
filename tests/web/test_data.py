"""The data page: typed figures, uploads, my figures, submit; the approval queue and locking; templates."""

from __future__ import annotations

import io
import re
from html import unescape

from openpyxl import load_workbook
from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store import observations as ob
from stpi.store.settings import set_setting
from tests.web.conftest import csrf_of, login


def state(store: Store) -> tuple[object, ...]:
    """Everything a data action may change: every vintage of every figure, locks, archived uploads."""
    return (ob.observations(store, history=True), ob.locked_years(store), ob.uploads(store))


def field_errors(html: str) -> dict[str, str]:
    """The entry form's messages, by field."""
    return {m.group(1): unescape(m.group(2)) for m in re.finditer(r'<p class="field-error" id="entry-(\w+)-error">([^<]*)</p>', html)}


def entry(**fields: object) -> dict[str, object]:
    """A good figure for 市科技局 (keji): I03 of 陇南市 in 2023, with the given fields replaced."""
    return {"region": "621200", "year": 2023, "code": "I03", "value": "1.6%", "source": "市统计局", "note": "", **fields}


def template(client: TestClient, year: int = 2023, **params: str) -> bytes:
    """The logged-in reporter's template, downloaded from the page's link."""
    r = client.get("/data/template.xlsx", params={"year": year, **params})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    return r.content


def fill(content: bytes, values: dict[str, object], notes: dict[str, str] | None = None) -> bytes:
    """Type values into 本年值 (and 备注) of a template, by indicator code, as a clerk would."""
    book = load_workbook(io.BytesIO(content))
    ws = book["填报"]
    header = [c.value for c in ws[2]]
    code, value, note = header.index("代码"), header.index("本年值"), header.index("备注")
    for row in ws.iter_rows(min_row=3):
        if row[code].value in values:
            row[value].value = values[row[code].value]
            row[note].value = (notes or {}).get(str(row[code].value))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_entry_form_marks_every_bad_field_and_changes_nothing(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    before = state(store)
    bad = {"csrf_token": token, "region": "火星", "year": "二〇二三", "code": "I99", "value": "1.2万", "source": "源" * 201, "note": "注" * 1001, "vintage": "v1"}
    r = client.post("/data/entry", data=bad)
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert set(errors) == {"region", "year", "code", "value", "source", "note", "vintage"}
    assert "未知地区" in errors["region"] and "2000–2100" in errors["year"] and "未知指标代码" in errors["code"]
    assert "万/亿" in errors["value"] and "200" in errors["source"] and "1000" in errors["note"]
    assert 'aria-describedby="entry-value-hint entry-value-error"' in r.text and 'aria-invalid="true"' in r.text
    assert 'value="1.2万"' in r.text  # what the clerk typed stays in the box
    assert state(store) == before


def test_api_locates_every_kind_of_bad_value(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    before = state(store)
    typed = ["约1.6", "1.2万", "1.6‰", "1,23", "1.6-1.8", "abc", "inf", "", "2e15"]
    items = [entry(value=v) for v in typed]
    items += [entry(code="I01", value="195%"), entry(code="I01", value="-3"), entry(value="3.5")]  # % on 人; a negative count; +135% without a note
    r = client.post("/api/data/entries", json=items, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    problems = r.json()["problems"]
    by_row = {p["row"]: p for p in problems}
    assert sorted(by_row) == list(range(1, len(items) + 1))  # one problem per row, each located
    assert all(p["field"] == "value" for p in problems if p["row"] <= 11)
    assert "约数" in by_row[1]["reason"] and "千分号" in by_row[3]["reason"] and "区间" in by_row[5]["reason"]  and "不是数字" in by_row[6]["reason"]
    assert "请填写数值" in by_row[8]["reason"] and "过大" in by_row[9]["reason"] and "百分号" in by_row[10]["reason"] and "负数" in by_row[11]["reason"]
    assert by_row[12]["field"] == "note" and "1.49" in by_row[12]["reason"]  # last year (the plan's 2022 baseline) 1.49 → 3.5
    assert state(store) == before
    twice = client.post("/api/data/entries", json=[entry(), entry(value="1.61")], headers={"X-CSRF-Token": token})
    assert twice.status_code == 422 and "重复" in twice.json()["problems"][0]["reason"] and twice.json()["problems"][0]["row"] == 2
    bounds = client.post("/api/data/entries", json=[entry(year=1999)], headers={"X-CSRF-Token": token})
    assert bounds.status_code == 422 and state(store) == before  # pydantic bounds on the JSON body


def test_entry_saved_as_draft_shown_with_markup_as_text(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    note = "<script>alert('x')</script>口径调整"
    r = client.post("/data/entry", data={"csrf_token": token, "region": "621200", "year": "２０２３", "code": "I08", "value": "１,２３４.５万元", "source": "市科技局", "note": note}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/data?year=2023"
    (saved,) = ob.observations(store)
    assert (saved.code, saved.value, saved.status, saved.vintage, saved.note, saved.created_by) == ("I08", 1234.5, "draft", 1, note, "keji")
    data = client.get("/api/data?year=2023").json()
    mine = {f["code"]: f for f in data["figures"]}
    assert mine["I08"]["value"] == 1234.5 and mine["I08"]["status"] == "draft" and data["counts"]["draft"] == 1 and data["to_submit"] == 1
    page = client.get("/data?year=2023")
    assert "&lt;script&gt;alert(" in page.text and "<script>alert(" not in page.text
    assert "已保存 1 条草稿" in page.text and 'id="figures"' in page.text
    assert {i["code"] for i in data["indicators"]} == {"I01", "I03", "I04", "I05", "I06", "I07", "I08", "I09", "I10", "I11", "I12", "I13", "I14",
                                                       "I16", "I17", "I18", "I19", "I20", "I22", "I23", "I24", "I25"}  # only what 市科技局 may report
    assert data["regions"] == [{"code": "621200", "name": "陇南市"}] and data["region_fixed"] is True


def test_changing_a_figure_someone_else_changed_is_a_conflict(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    client.post("/api/data/entries", json=[entry()], headers={"X-CSRF-Token": token})
    (first,) = ob.observations(store)
    form = client.get(f"/data?year=2023&edit={first.id}")
    assert 'name="vintage" value="1"' in form.text and 'value="1.6"' in form.text  # the edit link fills the form
    ob.write(store, [ob.Entry("621200", "I03", "2023", 1.7)], actor="admin", status="draft")  # meanwhile, the admin changes it
    before = state(store)
    r = client.post("/data/entry", data={"csrf_token": token, "region": "621200", "year": "2023", "code": "I03", "value": "1.65", "vintage": "1"})
    assert r.status_code == 409 and "已被他人修改" in r.text and state(store) == before


def test_upload_with_errors_shows_the_report_then_the_fixed_file_saves(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    blank = template(client)
    bad = fill(blank, {"I03": "约1.6", "I05": 12.0, "I08": "abc"})
    r = client.post("/data/upload", data={"csrf_token": token, "year": "2023"}, files={"file": ("科技局2023.xlsx", bad, "application/octet-stream")})
    assert r.status_code == 422 and 'id="problems"' in r.text and "未写入任何数据" in r.text
    table = r.text.split('id="problems"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"n\">(\d+)</td><td>(.*?)</td>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert {(f, sheet, col, value) for f, sheet, _, col, _, value, _ in rows} >= {("科技局2023.xlsx", "填报", "本年值(I)", "约1.6"), ("科技局2023.xlsx", "填报", "本年值(I)", "abc")}
    assert {ind for *_, ind, value, _ in rows if value == "abc"} == {"I08 万人吸纳技术成交额"}  # each problem names its indicator
    assert "/tmp" not in table  # the user's file name, never the server's temporary path
    assert state(store) == ([], [], [])
    good = fill(blank, {"I03": "1.6%", "I05": 1.2, "I08": "400"})
    r = client.post("/data/upload", data={"csrf_token": token, "year": "2023"}, files={"file": ("科技局2023.xlsx", good, "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "已校验通过:保存 3 条草稿" in page.text
    assert {(o.code, o.value, o.status) for o in ob.observations(store)} == {("I03", 1.6, "draft"), ("I05", 1.2, "draft"), ("I08", 400.0, "draft")}
    assert [u.filename for u in ob.uploads(store)] == ["科技局2023.xlsx"]


def test_upload_api_long_table_and_its_problems(client: TestClient, store: Store) -> None:
    token = login(client, "wudu")
    csv = "地区,年度,指标,数值,来源,备注\n武都区,2023,I01,150,县统计局,\n武都区,2023,I02,12..5,,\n".encode()
    r = client.post("/api/data/upload", files={"file": ("wudu.csv", csv, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    (problem,) = r.json()["problems"]
    assert problem["file"] == "wudu.csv" and problem["row"] == 3 and problem["value"] == "12..5"
    assert state(store) == ([], [], [])
    r = client.post("/api/data/upload", files={"file": ("wudu.csv", csv.replace(b"12..5", b"12.5"), "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["written"] == 2
    assert client.post("/api/data/upload", files={"file": ("wudu.exe", csv, "text/csv")}, headers={"X-CSRF-Token": token}).status_code == 422


def test_oversize_upload_is_refused_unread(client: TestClient, store: Store) -> None:
    set_setting(store, "upload_limit_mb", "1", actor="admin")
    token = login(client, "admin")
    before = state(store)
    big = b"region,year,indicator,value\n" + b"621200,2023,I03,1.6\n" * 60_000  # 1.2 MB
    r = client.post("/api/data/upload", files={"file": ("big.csv", big, "text/csv")}, headers={"X-CSRF-Token": token})
    assert r.status_code == 413 and "1 MB" in r.json()["message"]
    r = client.post("/data/upload", data={"csrf_token": token}, files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and 'id="upload-error"' in r.text and "1 MB" in r.text
    assert state(store) == before


def test_submit_approve_and_the_overview_index_moves(client: TestClient, store: Store) -> None:
    before = client.get("/api/overview").json()
    token = login(client, "keji")
    figures = [entry(value="1.6%"), entry(code="I05", value="1.2"), entry(code="I08", value="400")]
    assert client.post("/api/data/entries", json=figures, headers={"X-CSRF-Token": token}).json()["written"] == 3
    r = client.post("/data/submit", data={"csrf_token": token, "year": "2023"}, follow_redirects=False)
    assert r.status_code == 303 and "已报送 2023 年 3 条数据" in client.get("/data?year=2023").text
    assert client.get("/api/overview").json()["year"] == before["year"]  # submitted is not yet approved
    token = login(client, "admin")
    queue = client.get("/api/data/review").json()
    (group,) = queue["groups"]
    assert (group["reporter"], group["region_name"], group["year"], len(group["items"])) == ("市科技局", "陇南市", 2023, 3)
    i03 = next(i for i in group["items"] if i["code"] == "I03")
    assert (i03["old"], i03["new"], i03["last_year"]) == (None, 1.6, 1.49)
    page = client.get("/data/review")
    assert 'id="approve-form"' in page.text and 'id="return-form"' in page.text and 'id="lock-form"' in page.text
    r = client.post("/data/review/approve", data={"csrf_token": csrf_of(page.text), "all": "1", "shown": [str(i["id"]) for i in group["items"]]}, follow_redirects=False)
    assert r.status_code == 303 and "已审核通过 3 条" in client.get("/data/review").text
    after = client.get("/api/overview").json()
    assert after["year"] == 2023 and after["index"]["value"] != before["index"]["value"]
    assert {o.status for o in ob.observations(store)} == {"approved"}


def test_return_needs_a_comment_which_the_reporter_sees(client: TestClient, store: Store) -> None:
    token = login(client, "keji")
    client.post("/api/data/entries", json=[entry()], headers={"X-CSRF-Token": token})
    client.post("/api/data/submit", json={"year": 2023}, headers={"X-CSRF-Token": token})
    (figure,) = ob.observations(store)
    token = login(client, "admin")
    before = state(store)
    r = client.post("/data/review/return", data={"csrf_token": token, "ids": str(figure.id), "comment": "  "})
    assert r.status_code == 422 and 'id="comment-error"' in r.text and state(store) == before
    assert client.post("/api/data/return", json={"ids": [figure.id], "comment": ""}, headers={"X-CSRF-Token": token}).status_code == 422
    r = client.post("/data/review/approve", data={"csrf_token": token})
    assert r.status_code == 422 and 'id="ids-error"' in r.text and state(store) == before
    r = client.post("/data/review/return", data={"csrf_token": token, "ids": str(figure.id), "comment": "请核对<口径>"}, follow_redirects=False)
    assert r.status_code == 303
    login(client, "keji")
    mine = client.get("/api/data?year=2023").json()["figures"][0]
    assert mine["status"] == "returned" and mine["comment"] == "请核对<口径>"
    assert "请核对&lt;口径&gt;" in client.get("/data?year=2023").text


def test_approving_a_figure_changed_since_shown_is_a_conflict(client: TestClient, store: Store) -> None:
    ob.write(store, [ob.Entry("621200", "I03", "2023", 1.6)], actor="keji", status="submitted")
    (shown,) = ob.observations(store)
    token = login(client, "admin")
    ob.write(store, [ob.Entry("621200", "I03", "2023", 1.7)], actor="keji", status="submitted")  # a new vintage after the page was drawn
    before = state(store)
    r = client.post("/data/review/approve", data={"csrf_token": token, "ids": str(shown.id)})
    assert r.status_code == 409 and "已被修改或已被处理" in r.text and 'id="alert"' in r.text
    api = client.post("/api/data/approve", json={"ids": [shown.id]}, headers={"X-CSRF-Token": token})
    assert api.status_code == 409 and "621200/I03/2023" in api.json()["message"]
    assert state(store) == before


def test_lock_asks_for_confirmation_and_refuses_a_year_with_pending_figures(client: TestClient, store: Store) -> None:
    ob.write(store, [ob.Entry("621200", "I03", "2023", 1.6)], actor="keji", status="submitted")
    ob.write(store, [ob.Entry("621200", "I03", "2024", 1.7)], actor="keji", status="submitted")
    ob.transition(store, "approve", actor="admin", year=2024)
    token = login(client, "admin")
    before = state(store)
    r = client.post("/data/review/lock", data={"csrf_token": token, "year": "2024"})
    assert r.status_code == 200 and 'name="confirm" value="1"' in r.text and "确认锁定 2024 年评价" in r.text and state(store) == before
    assert client.post("/api/data/lock", json={"year": 2024}, headers={"X-CSRF-Token": token}).status_code == 422  # confirm missing
    assert client.post("/api/data/lock", json={"year": 2099, "confirm": True}, headers={"X-CSRF-Token": token}).status_code == 422  # no figures
    assert client.post("/api/data/approve", json={"ids": [2**63]}, headers={"X-CSRF-Token": token}).status_code == 422  # out of bounds
    refused = client.post("/api/data/lock", json={"year": 2023, "confirm": True}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 409 and "未审核通过" in refused.json()["message"] and state(store) == before
    r = client.post("/data/review/lock", data={"csrf_token": token, "year": "2024", "confirm": "1"}, follow_redirects=False)
    assert r.status_code == 303 and ob.locked_years(store) == [2024]
    assert "2024 年评价已锁定" in client.get("/data/review").text and client.get("/api/data/review").json()["locked_years"] == [2024]
    token = login(client, "keji")
    blocked = client.post("/api/data/entries", json=[entry(year=2024, value="1.8")], headers={"X-CSRF-Token": token})
    assert blocked.status_code == 422 and blocked.json()["problems"][0]["field"] == "year" and "锁定" in blocked.json()["problems"][0]["reason"]


def test_templates_follow_the_account(client: TestClient) -> None:
    assert client.get("/data/template.xlsx?year=2023", follow_redirects=False).status_code == 303  # to the login page
    login(client, "keji")
    meta = load_workbook(io.BytesIO(template(client)))["_meta"]
    assert "sci" in [c.value for row in meta.iter_rows(max_row=12) for c in row]
    assert client.get("/data/template.xlsx?year=2023&department=hrss").status_code == 403
    assert client.get("/data/template.xlsx?year=2023&county=621202").status_code == 403
    assert client.get("/data/template.xlsx?year=1800").status_code == 422
    login(client, "wudu")
    rows = list(load_workbook(io.BytesIO(template(client)))["填报"].iter_rows(min_row=3, values_only=True))
    assert {r[0] for r in rows if r[0]} == {"武都区"} and len(rows) > 32
    assert client.get("/data/template.xlsx?year=2023&county=621221").status_code == 403
    login(client, "admin")
    assert client.get("/data/template.xlsx?year=2023").status_code == 422  # the admin names a department or a county
    assert "市人社局" in str(load_workbook(io.BytesIO(template(client, department="hrss")))["填报"]["A1"].value)
    login(client, "leader")
    assert client.get("/data/template.xlsx?year=2023").status_code == 403


def test_viewer_reads_but_has_no_forms(client: TestClient, store: Store) -> None:
    ob.write(store, [ob.Entry("621200", "I03", "2023", 1.6)], actor="keji", status="draft")
    login(client, "leader")
    data = client.get("/api/data?year=2023").json()
    assert [f["code"] for f in data["figures"]] == ["I03"] and data["indicators"] == []
    page = client.get("/data?year=2023")
    assert page.status_code == 200 and 'id="entry-form"' not in page.text and 'id="upload-form"' not in page.text and 'id="viewer-note"' in page.text
    assert client.get("/data/review").status_code == 403 and client.get("/api/data/review").status_code == 403


def test_english_page(client: TestClient) -> None:
    login(client, "wudu")
    page = client.get("/data?lang=en")
    assert "Enter a figure" in page.text and "Upload a filled template" in page.text and 'value="621202" selected>武都区' in page.text
