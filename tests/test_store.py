"""The store, written once and run against SQLite and PostgreSQL (real databases)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from inbound.models import Channel, ChannelMember, IncomingHook, Post, Team, User, new_id
from inbound.services.writer import HOOK_TOUCH_MS, PostBatch, PostWriter
from inbound.store import channels, hooks, posts, teams, users
from inbound.store import config as config_store
from inbound.store.db import Database
from inbound.store.post_writer import writer_backend
from tests.conftest import run_async

T = TypeVar("T")


@pytest.fixture
def run(database_url: str) -> Callable[[Callable[[Database], Awaitable[T]]], T]:
    def runner(work: Callable[[Database], Awaitable[T]]) -> T:
        async def go() -> T:
            db = Database(database_url)
            try:
                return await work(db)
            finally:
                await db.dispose()

        return run_async(go)

    return runner


def _user(name: str) -> User:
    return User(new_id(), name, f"{name}@example.com", create_at=1, update_at=1)


async def _channel(db: Database, *, name: str = "general") -> Channel:
    channel = Channel(new_id(), new_id(), name, name.title(), create_at=1, update_at=1)
    async with db.begin() as conn:
        await channels.insert_channel(conn, channel)
    return channel


def test_user_roundtrip_and_lookups_are_case_insensitive(run) -> None:
    async def work(db: Database) -> None:
        user = _user("alice")
        async with db.begin() as conn:
            await users.insert_user(conn, user)
        async with db.connect() as conn:
            assert await users.get_user_by_id(conn, user.id) == user
            assert await users.get_user_by_username(conn, "ALICE") == user
            assert await users.get_user_by_email(conn, "Alice@Example.com") == user
            assert await users.get_user_by_id(conn, new_id()) is None
            assert await users.count_users(conn) == 1

    run(work)


def test_username_is_unique(run) -> None:
    async def work(db: Database) -> None:
        async with db.begin() as conn:
            await users.insert_user(conn, _user("bob"))
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            async with db.begin() as conn:
                await users.insert_user(conn, User(new_id(), "bob", "other@example.com"))

    run(work)


def test_team_membership_soft_delete_and_rejoin(run) -> None:
    async def work(db: Database) -> None:
        from inbound.models import TeamMember

        team = Team(new_id(), "eng", "Engineering")
        async with db.begin() as conn:
            await teams.insert_team(conn, team)
            await teams.upsert_team_member(conn, TeamMember(team.id, "u" * 26, delete_at=5))
        async with db.connect() as conn:
            assert await teams.get_team_member(conn, team.id, "u" * 26) is None
            assert await teams.list_teams_for_user(conn, "u" * 26) == []
        async with db.begin() as conn:
            await teams.upsert_team_member(conn, TeamMember(team.id, "u" * 26, "team_user"))
        async with db.connect() as conn:
            assert [t.name for t in await teams.list_teams_for_user(conn, "u" * 26)] == ["eng"]

    run(work)


def test_channel_names_unique_per_team(run) -> None:
    async def work(db: Database) -> None:
        first = await _channel(db, name="deploys")
        other_team = Channel(new_id(), new_id(), "deploys", "Deploys")
        async with db.begin() as conn:
            await channels.insert_channel(conn, other_team)
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            async with db.begin() as conn:
                await channels.insert_channel(
                    conn, Channel(new_id(), first.team_id, "deploys", "Again")
                )

    run(work)


async def _write(db: Database, *batches: PostBatch) -> None:
    """Commit through the real post writer backend (raw sqlite3 thread or asyncpg)."""
    writer = PostWriter(writer_backend(db))
    try:
        for batch in batches:
            await writer.write(batch)
    finally:
        await writer.stop()


def test_batches_move_counters_without_touching_every_member(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        alice, bob, carol = new_id(), new_id(), new_id()
        async with db.begin() as conn:
            for member in (alice, bob, carol):
                await channels.insert_channel_member(conn, ChannelMember(channel.id, member))
        batch = PostBatch(
            channel,
            [Post(new_id(), channel.id, alice, f"hi {i}", create_at=100 + i) for i in range(3)],
            mentioned_user_ids=[bob],
            viewed_by=alice,
        )
        await _write(db, batch)
        async with db.connect() as conn:
            fresh = await channels.get_channel_by_id(conn, channel.id)
            assert fresh is not None
            assert (fresh.total_msg_count, fresh.last_post_at) == (3, 102)
            rows = {
                u: await channels.get_channel_member(conn, channel.id, u)
                for u in (alice, bob, carol)
            }
            stored = await posts.get_posts_page(conn, channel.id, offset=0, limit=10)
        assert rows[alice] is not None and rows[alice].msg_count == 3  # the poster saw them
        assert rows[bob] is not None and (rows[bob].msg_count, rows[bob].mention_count) == (0, 3)
        assert rows[carol] is not None and (rows[carol].msg_count, rows[carol].mention_count) == (
            0,
            0,
        )
        assert [p.message for p in stored] == ["hi 2", "hi 1", "hi 0"]
        assert batch.notified == [bob]

    run(work)


def test_concurrent_commits_to_shared_rows_neither_deadlock_nor_lose_counts(run) -> None:
    """Many messages into two channels at once, with @mentions and @channel: every commit
    (three in flight on PostgreSQL) takes the shared rows in one order, so none fails."""

    async def work(db: Database) -> None:
        first, second = await _channel(db), await _channel(db, name="second")
        members = [new_id() for _ in range(4)]
        async with db.begin() as conn:
            for channel in (first, second):
                for member in members:
                    await channels.insert_channel_member(conn, ChannelMember(channel.id, member))
        hook = new_id()
        writer = PostWriter(writer_backend(db))
        writer.start()

        def batch(i: int) -> PostBatch:
            channel = (first, second)[i % 2]
            post = Post(new_id(), channel.id, members[0], f"m{i}", create_at=1000 + i)
            return PostBatch(
                channel,
                [post],
                mentioned_user_ids=[members[1 + i % 3]],
                mention_everyone=i % 5 == 0,
                exclude_from_mentions=members[0],
                hook_id=hook,
            )

        await asyncio.gather(*(writer.write(batch(i)) for i in range(300)))
        await writer.stop()
        assert writer.split_commits == 0
        async with db.connect() as conn:
            totals = [
                (await channels.get_channel_by_id(conn, c.id)).total_msg_count  # type: ignore[union-attr]
                for c in (first, second)
            ]
            mentions = [
                (await channels.get_channel_member(conn, first.id, m)).mention_count  # type: ignore[union-attr]
                for m in members
            ]
        assert totals == [150, 150]
        # first channel: even i; @channel every i % 10 == 0 (15), direct mention by i % 3
        direct = [sum(1 for i in range(0, 300, 2) if 1 + i % 3 == k) for k in (1, 2, 3)]
        everyone = len(range(0, 300, 10))
        everyone_direct = [sum(1 for i in range(0, 300, 10) if 1 + i % 3 == k) for k in (1, 2, 3)]
        # one mention per message, even when a member is named and @channel is used too
        assert mentions[0] == 0
        assert mentions[1:] == [direct[k] + everyone - everyone_direct[k] for k in range(3)]

    run(work)


def test_mention_everyone_counts_all_but_the_excluded(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        members = [new_id() for _ in range(3)]
        async with db.begin() as conn:
            for member in members:
                await channels.insert_channel_member(conn, ChannelMember(channel.id, member))
        batch = PostBatch(
            channel,
            [Post(new_id(), channel.id, members[0], "@channel", create_at=5)],
            mention_everyone=True,
            exclude_from_mentions=members[0],
        )
        await _write(db, batch)
        async with db.connect() as conn:
            counts = [
                (await channels.get_channel_member(conn, channel.id, m)).mention_count  # type: ignore[union-attr]
                for m in members
            ]
        assert counts == [0, 1, 1]
        assert batch.notified == sorted(members[1:])

    run(work)


def test_group_commit_sums_counters_per_channel_and_touches_hooks(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        hook = IncomingHook(new_id(), channel.id, channel.team_id, new_id())
        async with db.begin() as conn:
            await hooks.insert_hook(conn, hook)
        writer = PostWriter(writer_backend(db))
        writer.start()
        batches = [
            PostBatch(
                channel,
                [Post(new_id(), channel.id, hook.user_id, str(i), create_at=10 + i)],
                hook_id=hook.id,
            )
            for i in range(20)
        ]
        await asyncio.gather(*(writer.write(b) for b in batches))
        async with db.connect() as conn:
            fresh = await channels.get_channel_by_id(conn, channel.id)
            touched = await hooks.get_hook_by_id(conn, hook.id)
        assert fresh is not None and (fresh.total_msg_count, fresh.last_post_at) == (20, 29)
        # last use is kept to the second: written by the first commit, not by every one
        assert touched is not None and 10 <= touched.last_used_at <= 29
        first_use = touched.last_used_at
        later = Post(new_id(), channel.id, hook.user_id, "later", create_at=29 + HOOK_TOUCH_MS)
        await writer.write(PostBatch(channel, [later], hook_id=hook.id))
        await writer.stop()
        async with db.connect() as conn:
            touched = await hooks.get_hook_by_id(conn, hook.id)
        assert touched is not None and touched.last_used_at == 29 + HOOK_TOUCH_MS > first_use

    run(work)


def test_a_failing_batch_does_not_take_its_neighbours_down(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        taken = Post(new_id(), channel.id, new_id(), "first", create_at=1)
        await _write(db, PostBatch(channel, [taken]))
        writer = PostWriter(writer_backend(db))
        writer.start()
        good = PostBatch(channel, [Post(new_id(), channel.id, new_id(), "good", create_at=2)])
        duplicate = PostBatch(channel, [Post(taken.id, channel.id, new_id(), "dup", create_at=3)])
        results = await asyncio.gather(
            writer.write(good), writer.write(duplicate), return_exceptions=True
        )
        await writer.stop()
        assert results[0] is None and isinstance(results[1], RuntimeError)
        async with db.connect() as conn:
            stored = await posts.get_posts_page(conn, channel.id, offset=0, limit=10)
            fresh = await channels.get_channel_by_id(conn, channel.id)
        assert [p.message for p in stored] == ["good", "first"]
        assert fresh is not None and fresh.total_msg_count == 2

    run(work)


def test_every_post_field_round_trips_through_the_writer(run) -> None:
    """The writer binds rows by position: each value must land in its own column."""

    async def work(db: Database) -> None:
        channel = await _channel(db)
        post = Post(
            new_id(), channel.id, new_id(), "message", create_at=1, update_at=2, edit_at=3,
            delete_at=0, root_id=new_id(), type="custom_type", props={"p": 1},
            hashtags="#tag", is_pinned=True, metadata={"m": 2},
        )  # fmt: skip
        await _write(db, PostBatch(channel, [post]))
        async with db.connect() as conn:
            assert await posts.get_post_by_id(conn, post.id) == post

    run(work)


def test_a_post_commit_waits_for_an_open_sqlite_transaction(run) -> None:
    """SQLite has one writer: a post commit takes its turn after an API transaction (on the
    process's one write lock), and neither fails."""

    async def work(db: Database) -> None:
        if not db.is_sqlite:
            pytest.skip("SQLite only")
        channel = await _channel(db)
        writer = PostWriter(writer_backend(db))
        post = Post(new_id(), channel.id, new_id(), "queued", create_at=1)
        try:
            async with db.begin() as conn:
                writing = asyncio.create_task(writer.write(PostBatch(channel, [post])))
                await asyncio.sleep(0.05)
                assert not writing.done()  # waiting for its turn
                assert db.write_lock.locked()
                await channels.update_channel(conn, channel.id, header="first")
            await writing
        finally:
            await writer.stop()
        async with db.connect() as conn:
            assert await posts.get_post_by_id(conn, post.id) == post

    run(work)


def test_post_pages_are_keyset_ordered(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        made = [
            Post(new_id(), channel.id, new_id(), f"m{i}", create_at=1000 + i // 2, props={"i": i})
            for i in range(10)
        ]
        await _write(db, PostBatch(channel, made))
        newest_first = sorted(made, key=lambda p: (p.create_at, p.id), reverse=True)
        async with db.connect() as conn:
            page = await posts.get_posts_page(conn, channel.id, offset=0, limit=4)
            assert [p.id for p in page] == [p.id for p in newest_first[:4]]
            older = await posts.get_posts_before(conn, channel.id, page[-1], limit=4)
            assert [p.id for p in older] == [p.id for p in newest_first[4:8]]
            newer = await posts.get_posts_after(conn, channel.id, older[-1], limit=3)
            assert [p.id for p in newer] == [p.id for p in newest_first[4:7]]
            again = await posts.get_post_by_id(conn, made[3].id)
        assert again is not None and again.props == {"i": 3}

    run(work)


def test_deleting_a_root_deletes_its_thread(run) -> None:
    async def work(db: Database) -> None:
        channel = await _channel(db)
        root = Post(new_id(), channel.id, new_id(), "root", create_at=1)
        reply = Post(new_id(), channel.id, new_id(), "reply", create_at=2, root_id=root.id)
        await _write(db, PostBatch(channel, [root, reply]))
        async with db.connect() as conn:
            assert [p.id for p in await posts.get_thread(conn, root.id)] == [root.id, reply.id]
            assert await posts.count_replies(conn, [root.id]) == {root.id: 1}
        async with db.begin() as conn:
            await posts.delete_thread(conn, root.id, at=9)
        async with db.connect() as conn:
            assert await posts.get_post_by_id(conn, reply.id) is None
            since = await posts.get_posts_since(conn, channel.id, 9)
        assert {p.id for p in since} == {root.id, reply.id}

    run(work)


def test_hooks_list_count_and_retired_keys(run) -> None:
    async def work(db: Database) -> None:
        team, channel = new_id(), new_id()
        made = [IncomingHook(new_id(), channel, team, new_id(), create_at=i) for i in range(3)]
        async with db.begin() as conn:
            for hook in made:
                await hooks.insert_hook(conn, hook)
            await hooks.retire_key(conn, key=new_id(), hook_id=made[0].id, expire_at=50)
        async with db.connect() as conn:
            assert await hooks.count_hooks(conn, team_id=team) == 3
            listed = await hooks.list_hooks(conn, team_id=team, offset=1, limit=5)
            assert [h.id for h in listed] == [h.id for h in made[1:]]
            assert await hooks.list_hook_ids_by_channel(conn, channel) == [h.id for h in made]
        async with db.begin() as conn:
            await hooks.delete_hooks_by_channel(conn, channel, at=7)
        async with db.connect() as conn:
            assert await hooks.get_hook_by_id(conn, made[0].id) is None

    run(work)


def test_config_document_versions(run) -> None:
    async def work(db: Database) -> None:
        async with db.connect() as conn:
            assert await config_store.get_config(conn) is None
            assert await config_store.get_config_version(conn) == 0
        async with db.begin() as conn:
            await config_store.save_config(conn, {"A": {"b": 1}}, at=10)
            await config_store.save_config(conn, {"A": {"b": 2}}, at=11)
        async with db.connect() as conn:
            assert await config_store.get_config(conn) == ({"A": {"b": 2}}, 11)

    run(work)
