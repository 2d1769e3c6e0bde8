"""Notification settings on /admin/outbox: group robots and e-mail addresses listed, added and disabled by the admin, audited."""

from __future__ import annotations

from starlette.testclient import TestClient

from stpi.store import Store
from stpi.store.notices import emails
from stpi.store.outbox import webhook_list
from tests.web.conftest import csrf_of, login

SECRET = "SECfeedfacecafebeef0123456789"
URL = "https://oapi.dingtalk.com/robot/send?access_token=tok-very-private"


def test_the_admin_adds_a_signed_robot_sees_it_without_its_key_and_disables_it(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/admin/outbox").text)
    r = client.post("/admin/outbox/webhooks", data={"csrf_token": token, "name": "科技局钉钉群", "kind": "dingtalk", "url": URL, "party": "sci", "secret": SECRET},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/outbox?saved=robot")
    (robot,) = webhook_list(store)
    assert (robot.name, robot.kind, robot.party, robot.active, robot.signed) == ("科技局钉钉群", "dingtalk", "sci", True, True)
    html = client.get("/admin/outbox?saved=robot").text
    assert "已添加群机器人" in html and "科技局钉钉群" in html and "市科技局" in html and "钉钉" in html
    assert "已加签 …" + SECRET[-4:] in html
    assert SECRET not in html and "tok-very-private" not in html  # neither the secret nor the URL's key is shown back
    api = client.get("/api/admin/outbox").json()["notify"]["robots"]
    assert api[0]["address"] == "https://oapi.dingtalk.com/robot/send" and SECRET not in str(api)
    entry = store.audit(entity="webhook", action="create")[0]
    assert entry.actor == "admin" and SECRET not in entry.new and "tok-very-private" not in entry.new and "signed" in entry.new
    r = client.post("/admin/outbox/webhooks/disable", data={"csrf_token": token, "name": "科技局钉钉群"}, follow_redirects=False)
    assert r.status_code == 303
    assert not webhook_list(store)[0].active
    assert store.audit(entity="webhook", action="disable")[0].key == "科技局钉钉群"
    assert "已停用" in client.get("/admin/outbox").text


def test_errors_are_located_and_in_the_readers_language(client: TestClient, store: Store) -> None:
    login(client, "admin")
    token = csrf_of(client.get("/admin/outbox").text)
    bad = {"csrf_token": token, "name": "", "kind": "wecom", "url": "ftp://x y", "party": "nowhere", "secret": "SECx"}
    zh = client.post("/admin/outbox/webhooks", data=bad)
    assert zh.status_code == 422
    for text in ("请填写名称", "地址应以 https:// 开头", "请选择部门或县区", "只有钉钉机器人可设加签密钥"):
        assert text in zh.text
    assert 'id="ns-url" name="url" type="url" value="ftp://x y"' in zh.text and 'aria-describedby="ns-url-error"' in zh.text  # kept and marked at its field
    en = client.post("/admin/outbox/webhooks?lang=en", data=bad)
    assert en.status_code == 422 and "The address must start with https://" in en.text and "Only a DingTalk robot takes a secret" in en.text
    assert "地址应以" not in en.text
    api = client.post("/api/admin/webhooks?lang=en", json={"name": "x", "kind": "slack", "url": URL}, headers={"X-CSRF-Token": token})
    assert api.status_code == 422
    assert {p["field"]: p["reason"] for p in api.json()["problems"]} == {"kind": "The kind must be WeCom or DingTalk"}
    assert webhook_list(store) == []  # nothing written


def test_the_admin_sets_and_clears_an_address_and_others_may_not(client: TestClient, store: Store) -> None:
    token = login(client, "admin")
    r = client.post("/admin/outbox/contacts", data={"csrf_token": token, "username": "keji", "email": "keji@example.cn"}, follow_redirects=False)
    assert r.status_code == 303 and emails(store) == {"keji": "keji@example.cn"}
    html = client.get("/admin/outbox").text
    assert 'value="keji@example.cn"' in html and "已保存邮箱" not in html
    wrong = client.post("/admin/outbox/contacts", data={"csrf_token": token, "username": "keji", "email": "not-an-address"})
    assert wrong.status_code == 422 and "邮箱地址格式不正确" in wrong.text and 'value="not-an-address"' in wrong.text
    assert client.post("/api/admin/contacts", json={"username": "keji", "email": ""}, headers={"X-CSRF-Token": token}).status_code == 200
    assert emails(store) == {}
    assert [e.key for e in store.audit(entity="contact")][:2] == ["keji", "keji"]
    client.post("/api/logout", headers={"X-CSRF-Token": token})
    other = login(client, "keji")
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/api/admin/contacts", json={"username": "keji", "email": "me@example.cn"}, headers={"X-CSRF-Token": other}).status_code == 403
    assert emails(store) == {}
