"""Locust users of Guanxi: sales reps and managers reading (70 %) and writing (30 %) through the API and the board.

Started by bench.load.run, which prepares the database and the signed-in sessions and passes them in the JSON file
named by GUANXI_LOAD_CONFIG; every write that succeeded is logged to the file named there ("writes"), so that the
driver can check afterwards that none was lost. A 412 on an If-Match write is the expected answer to a concurrent
change (another user edited the record first): it counts as a success of its own, not an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from typing import Any

from locust import HttpUser, between, events, task

CONFIG: dict[str, Any] = {}
if os.environ.get("GUANXI_LOAD_CONFIG"):
    with open(os.environ["GUANXI_LOAD_CONFIG"], encoding="utf-8") as fh:
        CONFIG = json.load(fh)
SESSIONS = itertools.cycle(CONFIG.get("sessions") or [{}])
RUN = uuid.uuid4().hex[:8]
# What succeeded, for the lost-write check: follow-up markers, quote ids, (customer, version, remarks) of edits,
# (opportunity, version, stage) of stage moves; and how many 412s each write met.
WRITES: dict[str, list[Any]] = {"follow_ups": [], "quotes": [], "edits": [], "moves": []}
CONFLICTS: dict[str, int] = {"edit": 0, "move": 0}
HOT_CUSTOMERS = 8  # edits go to the first few customers each account sees, so concurrent edits meet


@events.test_stop.add_listener
def _save_writes(**_kwargs: Any) -> None:
    path = CONFIG.get("writes")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"writes": WRITES, "conflicts": CONFLICTS}, fh)


class CrmUser(HttpUser):
    """One person at work: looks things up most of the time, logs a call now and then."""

    wait_time = between(float(CONFIG.get("wait_min", 3)), float(CONFIG.get("wait_max", 10)))

    def on_start(self) -> None:
        session = next(SESSIONS)
        self.username = session.get("username", "")
        self.client.cookies.set("sessionid", session.get("sessionid", ""))
        self.client.cookies.set("csrftoken", session.get("csrftoken", ""))
        self.client.headers.update({"X-CSRFToken": session.get("csrftoken", ""), "Accept-Language": "zh-hans"})
        self.rng = random.Random()
        me = session.get("user_id")
        page = self._json("/api/v1/customers?limit=100&sort=-updated", name="start: customers")
        items = page.get("items", [])
        self.customers = [c["id"] for c in items]
        self.names = [c["name"] for c in items if c.get("name")]
        # Writes go to the account's own active customers and deals (a manager may read the team's, not edit them).
        self.own = [
            c["id"] for c in items if (c.get("owner") or {}).get("id") == me and c.get("review_status") == "active"
        ]
        self.hot = self.own[:HOT_CUSTOMERS]
        deals = self._json("/api/v1/opportunities?status=open&limit=100", name="start: opportunities")
        self.deals = [d["id"] for d in deals.get("items", []) if (d.get("owner") or {}).get("id") == me]
        pipelines = self._json("/api/v1/pipelines", name="start: pipelines")
        pipelines = pipelines if isinstance(pipelines, list) else []
        default = next((p for p in pipelines if p.get("is_default")), pipelines[0] if pipelines else None)
        self.pipeline = default["id"] if default else None
        self.stages = [
            s["id"]
            for p in pipelines
            for s in p["stages"]
            if s["kind"] == "open" and s["is_active"] and not s["required_fields"]
        ]
        products = self._json("/api/v1/products?limit=20", name="start: products")
        self.products = [p["id"] for p in products.get("items", [])]

    def _json(self, url: str, *, name: str) -> Any:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return {}
            return response.json()

    # --- reads: 70 % ---------------------------------------------------------------------------------------------
    @task(25)
    def customer_list(self) -> None:
        sort = self.rng.choice(["-updated", "-updated", "name", "-last_contact"])
        level = self.rng.choice(["", "", "A", "B"])
        url = f"/api/v1/customers?limit=50&sort={sort}" + (f"&level={level}" if level else "")
        self.client.get(url, name="read: customer list")

    @task(20)
    def search(self) -> None:
        if not self.names:
            return
        name = self.rng.choice(self.names)
        start = self.rng.randrange(max(len(name) - 1, 1))
        self.client.get(f"/api/v1/search?q={name[start : start + 2]}", name="read: search (2 characters)")

    @task(15)
    def customer_360(self) -> None:
        if self.customers:
            self.client.get(f"/api/v1/customers/{self.rng.choice(self.customers)}/360", name="read: customer 360")

    @task(10)
    def board(self) -> None:
        if self.pipeline:
            self.client.get(f"/sales/opportunities/board/?pipeline={self.pipeline}", name="read: kanban board")

    # --- writes: 30 % --------------------------------------------------------------------------------------------
    @task(12)
    def follow_up(self) -> None:
        if not self.own:
            return
        marker = f"负载测试 {RUN} {uuid.uuid4().hex}"
        body = {"customer_id": self.rng.choice(self.own), "method": "phone", "content": marker}
        with self.client.post("/api/v1/follow-ups", json=body, name="write: log a follow-up", catch_response=True) as r:
            if r.status_code == 201:
                WRITES["follow_ups"].append(marker)
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(8)
    def customer_edit(self) -> None:
        """Read the customer, change its remarks with If-Match: 412 when someone else changed it in between."""
        if not self.hot:
            return
        pk = self.rng.choice(self.hot)
        got = self.client.get(f"/api/v1/customers/{pk}", name="write: edit customer (read)")
        if got.status_code != 200:
            return
        remarks = f"{RUN} {self.username} {uuid.uuid4().hex[:12]}"
        with self.client.patch(
            f"/api/v1/customers/{pk}",
            json={"remarks": remarks},
            headers={"If-Match": got.headers.get("ETag", "")},
            name="write: edit customer (If-Match)",
            catch_response=True,
        ) as r:
            if r.status_code == 200:
                WRITES["edits"].append([pk, r.json()["version"], remarks])
            elif r.status_code == 412:
                CONFLICTS["edit"] += 1
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(6)
    def stage_move(self) -> None:
        if not self.deals or len(self.stages) < 2:
            return
        pk = self.rng.choice(self.deals[: HOT_CUSTOMERS * 2])
        got = self.client.get(f"/api/v1/opportunities/{pk}", name="write: move stage (read)")
        if got.status_code != 200 or got.json().get("status") != "open":
            return
        current = got.json().get("stage_id") or (got.json().get("stage") or {}).get("id")
        stage = self.rng.choice([s for s in self.stages if s != current])
        with self.client.post(
            f"/api/v1/opportunities/{pk}/move",
            json={"stage_id": stage},
            headers={"If-Match": got.headers.get("ETag", "")},
            name="write: move stage (If-Match)",
            catch_response=True,
        ) as r:
            if r.status_code == 200:
                WRITES["moves"].append([pk, r.json()["version"], stage])
            elif r.status_code == 412:
                CONFLICTS["move"] += 1
                r.success()
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")

    @task(4)
    def quote(self) -> None:
        if not self.own or len(self.products) < 2:
            return
        lines = [{"product_id": p, "quantity": self.rng.randint(1, 5)} for p in self.rng.sample(self.products, 2)]
        body = {"customer_id": self.rng.choice(self.own), "lines": lines}
        with self.client.post("/api/v1/quotes", json=body, name="write: create quote", catch_response=True) as r:
            if r.status_code == 201:
                WRITES["quotes"].append(r.json()["id"])
            else:
                r.failure(f"{r.status_code}: {r.text[:200]}")
