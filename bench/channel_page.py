"""Time one API channel page read, ``GET /api/v4/channels/{id}/posts?per_page=60`` over 60
webhook posts, in process (TestClient): median and p90 wall time and CPU per read over 300
reads. With ``1`` as second argument, 45 of the posts carry 90 reactions first.

    PYTHONPATH=src .venv/bin/python bench/channel_page.py sqlite:////tmp/page.db 0

Use a fresh database each run; to compare two versions, alternate their runs (the machine's
load moves the numbers more than small changes do).
"""

import statistics
import sys
import time

from starlette.testclient import TestClient

from inbound.app import create_app
from inbound.runtime import Runtime
from inbound.services.bootstrap import bootstrap
from inbound.settings import Settings

url, with_reactions = sys.argv[1], sys.argv[2] == "1"
settings = Settings(database_url=url, admin_password="admin-password-1")
runtime = Runtime(settings)
with TestClient(create_app(settings, runtime=runtime)) as client:
    client.portal.call(bootstrap, runtime.context)
    token = client.post(
        "/api/v4/users/login", json={"login_id": "admin", "password": "admin-password-1"}
    ).headers["Token"]
    client.cookies.clear()
    auth = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v4/users/me", headers=auth).json()["id"]
    team = client.get("/api/v4/teams/name/main", headers=auth).json()
    town = client.get(f"/api/v4/teams/{team['id']}/channels/name/town-square", headers=auth).json()[
        "id"
    ]
    hook = client.post(
        "/api/v4/hooks/incoming", headers=auth, json={"channel_id": town, "display_name": "t"}
    ).json()
    for i in range(60):
        assert (
            client.post(
                f"/hooks/{hook['id']}", json={"text": f"alert {i} **disk** full"}
            ).status_code
            == 200
        )
    page = client.get(f"/api/v4/channels/{town}/posts?per_page=60", headers=auth).json()
    if with_reactions:
        for n, pid in enumerate(page["order"]):
            for emoji in ["eyes", "white_check_mark", "fire"][: n % 4]:
                r = client.post(
                    "/api/v4/reactions",
                    headers=auth,
                    json={"user_id": me, "post_id": pid, "emoji_name": emoji},
                )
                assert r.status_code == 200, r.text
    for _ in range(30):
        client.get(f"/api/v4/channels/{town}/posts?per_page=60", headers=auth)
    times = []
    cpu0 = time.process_time()
    for _ in range(300):
        t = time.perf_counter()
        r = client.get(f"/api/v4/channels/{town}/posts?per_page=60", headers=auth)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    cpu = (time.process_time() - cpu0) / 300 * 1000
    times.sort()
    body = r.json()
    n_reactions = sum(len(p["metadata"].get("reactions", [])) for p in body["posts"].values())
    print(
        f"{url.split(':')[0]:10} reactions_on_page={n_reactions:3} median={statistics.median(times):.2f}ms p90={times[270]:.2f}ms cpu/read={cpu:.2f}ms bytes={len(r.content)}"
    )
