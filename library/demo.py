"""Demo library: four short pieces by the practice; one shared with the
Bennetts, one linked to Ollie's first home strategy. Idempotent: looked up
by title, shared and linked with get_or_create."""

from families.demo import DemoPractice
from goals.models import Area, HomeStrategy
from library.models import Article, ArticleShare, StrategyArticle

ARTICLES = [
    (
        "Heavy work: why pushing and carrying calm a busy body",
        Area.SENSORY,
        Article.Kind.ARTICLE,
        "Jobs that use the big muscles help many children settle and focus.",
        "Heavy work means pushing, pulling, carrying and climbing. It sends strong, "
        "steady messages from the muscles and joints that many children find calming.\n\n"
        "Try it before tricky times: carrying the shopping bags in, pushing the washing "
        "basket, wall push-ups before homework, or a wheelbarrow walk to the bath.",
    ),
    (
        "Getting ready for handwriting: strong hands first",
        Area.FINE_MOTOR,
        Article.Kind.ARTICLE,
        "Play that builds hand strength makes pencils easier.",
        "Before a pencil feels easy, hands need strength and control. Playdough, "
        "tearing paper for collage, pegs on a washing line and tweezers games all help.\n\n"
        "Little and often works best: five minutes a day beats an hour on Saturday.",
    ),
    (
        "Dressing: backward chaining, step by step",
        Area.SELF_CARE,
        Article.Kind.HANDOUT,
        "Do all but the last step together, then let your child finish: success every time.",
        "Break the job into small steps. You do every step but the last one; your child "
        "finishes it and gets the feeling of 'I did it'.\n\nWhen the last step is easy, "
        "they take on the last two, and so on backwards until they do it all.",
    ),
    (
        "Smoother mornings with a picture routine",
        Area.OTHER,
        Article.Kind.HANDOUT,
        "A row of pictures takes the talking out of the morning.",
        "Put the morning's steps in pictures at your child's eye level. Point, don't talk; "
        "let them move a peg or tick each step.\n\nKeep it the same every day for two weeks "
        "before changing anything.",
    ),
]


def seed(practice: DemoPractice) -> None:
    amira = practice.users["therapist1@demo.example"]
    articles = {}
    for title, area, kind, summary, body in ARTICLES:
        articles[title], _ = Article.objects.get_or_create(
            title=title,
            defaults={
                "area": area,
                "kind": kind,
                "summary": summary,
                "body": body,
                "written_by": amira,
            },
        )
    ArticleShare.objects.get_or_create(
        article=articles[ARTICLES[0][0]],
        family=practice.families["bennett"],
        defaults={"shared_by": amira},
    )
    strategy = (
        HomeStrategy.objects.filter(child=practice.children["oliver"], retired_on__isnull=True)
        .order_by("pk")
        .first()
    )
    if strategy is not None:
        StrategyArticle.objects.get_or_create(
            article=articles[ARTICLES[2][0]], strategy=strategy, defaults={"linked_by": amira}
        )
