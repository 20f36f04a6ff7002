"""Sharing articles with a family and linking them to strategies."""

from django.urls import reverse

from library.models import ArticleShare, StrategyArticle
from tests.factories import HomeStrategyFactory
from tests.library.factories import ArticleFactory


def test_therapist_shares_with_a_family_who_then_reads_it(world, login):
    article = ArticleFactory(title="Calm bedtimes")
    client = login(world.therapist)
    response = client.post(reverse("library:share", args=[article.pk]), {"family": world.family.pk})
    assert response.status_code == 302
    assert ArticleShare.objects.get().shared_by == world.therapist
    # Twice is harmless.
    client.post(reverse("library:share", args=[article.pk]), {"family": world.family.pk})
    assert ArticleShare.objects.count() == 1

    index = login(world.parent).get(reverse("library:index")).content.decode()
    assert "Calm bedtimes" in index
    assert (
        login(world.other_parent).get(reverse("library:article", args=[article.pk])).status_code
        == 404
    )
    assert (
        "Calm bedtimes"
        not in login(world.other_parent).get(reverse("library:index")).content.decode()
    )


def test_therapist_cannot_share_with_a_family_off_the_caseload(world, login):
    article = ArticleFactory()
    response = login(world.therapist).post(
        reverse("library:share", args=[article.pk]), {"family": world.other_family.pk}
    )
    assert response.status_code == 404
    assert not ArticleShare.objects.exists()


def test_linking_to_a_strategy_shows_it_to_those_who_see_the_child(world, login):
    article = ArticleFactory(title="Buttons made easy")
    strategy = HomeStrategyFactory(child=world.child)
    response = login(world.therapist).post(
        reverse("library:link", args=[article.pk]), {"strategy": strategy.pk}
    )
    assert response.status_code == 302
    assert StrategyArticle.objects.get().strategy == strategy
    assert (
        login(world.supporting).get(reverse("library:article", args=[article.pk])).status_code
        == 200
    )
    assert (
        login(world.supporting_unlinked)
        .get(reverse("library:article", args=[article.pk]))
        .status_code
        == 404
    )
    other = HomeStrategyFactory(child=world.other_child)
    response = login(world.therapist).post(
        reverse("library:link", args=[article.pk]), {"strategy": other.pk}
    )
    assert response.status_code == 404


def test_filter_by_area_and_constant_queries(world, login, django_assert_max_num_queries):
    ArticleFactory(title="Pencil grips", area="fine_motor")
    ArticleFactory(title="Heavy work", area="sensory")
    client = login(world.therapist)
    page = client.get(reverse("library:index"), {"area": "fine_motor"}).content.decode()
    assert "Pencil grips" in page and "Heavy work" not in page
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("library:index"))
    baseline = len(captured)
    for _ in range(10):
        ArticleFactory()
    with django_assert_max_num_queries(baseline):
        client.get(reverse("library:index"))


def test_unpublished_articles_are_hidden(world, login):
    article = ArticleFactory(published=False)
    assert (
        login(world.therapist).get(reverse("library:article", args=[article.pk])).status_code == 404
    )


def test_demo_library_seeds_once(db, settings):
    from django.core.management import call_command

    from library.models import Article

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Article.objects.count() == 4
    assert ArticleShare.objects.count() == 1
    assert StrategyArticle.objects.count() == 1


def test_absurd_ids_are_form_errors_not_server_errors(world, login):
    article = ArticleFactory()
    client = login(world.therapist)
    for name, field in (("library:share", "family"), ("library:link", "strategy")):
        response = client.post(reverse(name, args=[article.pk]), {field: "9" * 30})
        assert response.status_code == 400
