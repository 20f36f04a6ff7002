"""Practice logged on a phone without a connection is sent later, perhaps
more than once (a retry, a second tab): the id the phone chose keeps it once."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from goals.models import Outcome, PracticeLog
from goals.services import practice_log_add
from tests.factories import HomeStrategyFactory


@pytest.fixture
def strategy(world):
    return HomeStrategyFactory(child=world.child)


@pytest.mark.timesweep
def test_the_same_queued_log_sent_twice_is_kept_once(world, strategy):
    client_id = uuid.uuid4()
    yesterday = timezone.localdate() - timedelta(days=1)
    first = practice_log_add(
        strategy=strategy,
        by=world.parent,
        outcome=Outcome.WELL,
        practised_on=yesterday,
        client_id=client_id,
    )
    again = practice_log_add(
        strategy=strategy,
        by=world.parent,
        outcome=Outcome.WELL,
        practised_on=yesterday,
        client_id=client_id,
    )
    assert again.pk == first.pk
    assert PracticeLog.objects.filter(client_id=client_id).count() == 1
    assert first.practised_on == yesterday


def test_logs_without_an_id_are_each_kept(world, strategy):
    practice_log_add(strategy=strategy, by=world.parent, outcome=Outcome.WELL)
    practice_log_add(strategy=strategy, by=world.parent, outcome=Outcome.HARD)
    assert PracticeLog.objects.count() == 2


def test_someone_elses_id_finds_nothing_of_theirs(world, strategy):
    client_id = uuid.uuid4()
    practice_log_add(strategy=strategy, by=world.parent, outcome=Outcome.WELL, client_id=client_id)
    with pytest.raises(ValidationError):
        practice_log_add(
            strategy=strategy, by=world.supporting, outcome=Outcome.WELL, client_id=client_id
        )
    other = HomeStrategyFactory(child=world.child)
    with pytest.raises(ValidationError):
        practice_log_add(strategy=other, by=world.parent, outcome=Outcome.WELL, client_id=client_id)
    assert PracticeLog.objects.count() == 1


@pytest.mark.postgres
def test_the_database_refuses_a_second_log_with_one_id(world, strategy):
    """What holds when two copies race past the first look."""
    from django.db import IntegrityError, transaction

    if connection.vendor != "postgresql":
        from tests.conftest import skip_or_fail

        skip_or_fail("needs PostgreSQL")
    client_id = uuid.uuid4()
    practice_log_add(strategy=strategy, by=world.parent, outcome=Outcome.WELL, client_id=client_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeLog.objects.create(
            strategy=strategy, child=world.child, outcome=Outcome.WELL, client_id=client_id
        )


def _send(client, strategy, **fields):
    return client.post(
        reverse("goals:practice_quick", args=[strategy.pk]),
        {"outcome": "well", **fields},
        headers={"Accept": "application/json"},
    )


@pytest.mark.timesweep
def test_the_phone_sends_its_queue_and_gets_the_same_answer_each_time(world, strategy, login):
    client = login(world.parent)
    client_id = str(uuid.uuid4())
    today = timezone.localdate().isoformat()
    first = _send(client, strategy, client_id=client_id, practised_on=today)
    again = _send(client, strategy, client_id=client_id, practised_on=today)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["practised_on"] == today
    assert PracticeLog.objects.filter(client_id=client_id).count() == 1


@pytest.mark.timesweep
def test_a_queued_log_that_cannot_be_kept_says_why(world, strategy, login):
    client = login(world.parent)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _send(client, strategy, client_id=str(uuid.uuid4()), practised_on=tomorrow)
    assert response.status_code == 400 and response.json()["error"]
    strategy.retired_on = timezone.localdate()
    strategy.save()
    response = _send(client, strategy, client_id=str(uuid.uuid4()))
    assert response.status_code == 400 and "retired" in response.json()["error"]
    assert not PracticeLog.objects.exists()


def test_the_one_tap_button_still_answers_with_the_page(world, strategy, login):
    response = login(world.parent).post(
        reverse("goals:practice_quick", args=[strategy.pk]), {"outcome": "mixed"}
    )
    assert response.status_code == 302
    assert PracticeLog.objects.get().client_id is None


def test_the_practice_form_is_marked_for_the_offline_queue(world, strategy, login):
    page = login(world.parent).get(reverse("goals:routines", args=[world.child.pk]))
    assert 'class="practice-quick" data-offline-queue' in page.content.decode()
