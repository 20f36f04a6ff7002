"""Demo goals, strategies, practice and wins, telling a story over three months.

Each child's goals are created once (looked up by title); their ratings, logs and
wins are only added when the goal or strategy is new, so running again changes
nothing.
"""

from datetime import timedelta

from django.utils import timezone

from families.demo import DemoPractice
from goals.models import (
    FamilyRating,
    Goal,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    RatingSource,
    StrategyTemplate,
    Win,
)

LIBRARY = [
    {
        "title": "Picture list for the morning",
        "routine": "dressing",
        "area": "self_care",
        "what_to_do": "Stick photos of each step (pants, socks, trousers, top, shoes) on the bedroom door. Point to the next picture instead of saying it.",
        "why_it_helps": "Seeing the order takes the load off memory, so energy goes into the doing.",
        "how_often": "Every school morning",
        "materials": "Photos or drawings, Blu Tack",
        "hard_day_tip": "Do the first two steps together and let them finish the rest.",
    },
    {
        "title": "Heavy work before the hard part",
        "routine": "after_school",
        "area": "sensory",
        "what_to_do": "Five minutes of pushing, pulling or carrying: wall push-ups, carrying the shopping, wheelbarrow walks.",
        "why_it_helps": "Deep pressure through muscles and joints helps the body feel calm and organised.",
        "how_often": "Before homework or other demanding moments",
        "materials": "Nothing special",
        "hard_day_tip": "A big squeezy hug or rolling up tightly in a blanket counts too.",
    },
    {
        "title": "Learning plate",
        "routine": "mealtimes",
        "area": "feeding",
        "what_to_do": "Put a tiny piece of a new food on a separate small plate next to the usual meal. No pressure to eat it: looking, touching or smelling all count.",
        "why_it_helps": "Small, safe steps make new foods familiar before they are eaten.",
        "how_often": "One meal a day",
        "materials": "A small side plate",
        "hard_day_tip": "Skip the learning plate. Safe foods only is fine.",
    },
    {
        "title": "Warm hands before writing",
        "routine": "homework",
        "area": "fine_motor",
        "what_to_do": "Two minutes of hand warm-ups: squeeze putty, finger push-ups, palm presses.",
        "why_it_helps": "Wakes up the hand muscles so writing tires them less.",
        "how_often": "Before each homework session",
        "materials": "Therapy putty or play dough",
        "hard_day_tip": "Let them dictate and you write: the ideas still count.",
    },
    {
        "title": "Wind-down box",
        "routine": "bedtime",
        "area": "sensory",
        "what_to_do": "Dim lights, a weighted blanket or heavy cushion on the lap, and a calm choice from the box (book, fidget, music).",
        "why_it_helps": "Predictable, calming input helps the body get ready for sleep.",
        "how_often": "Every night",
        "materials": "A box with three calm choices",
        "hard_day_tip": "Keep it to one choice and fewer words.",
    },
]

# Per child: goals (with the story of levels: therapist every 4 weeks, family
# in between), strategies and wins. Days are days ago.
STORY = {
    "oliver": {
        "caregivers": ["parent1@demo.example", "grandparent1@demo.example"],
        "goals": [
            {
                "title": "Ollie puts on his shoes and fastens them before school",
                "area": "self_care",
                "setting": "home",
                "priority": 1,
                "baseline": "Needs an adult to put on and fasten both shoes; gets upset and it makes us late.",
                "levels": [
                    "Needs hand-over-hand help for both shoes",
                    "Puts shoes on with help, an adult fastens them",
                    "Puts on and fastens Velcro shoes alone",
                    "Shoes on alone most mornings with one reminder",
                    "Shoes on and fastened alone every morning, no reminders",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -1), (28, -1), (7, 0)],
                "family": [(70, -2), (42, -1), (21, 0), (3, 1)],
                "scores": [(84, "baseline", 2, 2), (7, "review", 6, 7)],
            },
            {
                "title": "Ollie does up the buttons on his school shirt",
                "area": "fine_motor",
                "setting": "home",
                "priority": 2,
                "baseline": "Cannot do buttons yet; avoids shirts with buttons.",
                "levels": [
                    "Cannot do any buttons",
                    "Does big buttons on a practice board",
                    "Does the lower three shirt buttons",
                    "Does all shirt buttons with time",
                    "Does all buttons and the top one within five minutes",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -2), (28, -1), (7, -1)],
                "family": [(42, -2), (14, -1)],
                "scores": [(84, "baseline", 1, 3), (7, "review", 3, 5)],
            },
        ],
        "strategies": [
            ("Picture list for the morning", "dressing", [0, 1], None),
            (
                "Bottom-stair shoe station",
                "school_run",
                [0],
                {
                    "what_to_do": "Sit on the bottom stair, shoes lined up toe-to-toe. Left shoe first, then the Velcro.",
                    "why_it_helps": "Sitting keeps his balance steady, so both hands are free for the shoe.",
                    "how_often": "Every morning, and when going out at weekends",
                    "materials": "Shoes with wide Velcro straps",
                    "hard_day_tip": "You start the strap and let him press it shut: he still finishes the job.",
                },
            ),
            (
                "Button practice with teddy",
                "play",
                [1],
                {
                    "what_to_do": "Dress teddy in an old shirt with big buttons. Ollie does the buttons for teddy.",
                    "why_it_helps": "Practising on someone else is easier to see and more fun than on himself.",
                    "how_often": "Three times a week, five minutes",
                    "materials": "An old shirt with big buttons, a large teddy",
                    "hard_day_tip": "Do just one button, then stop while it's fun.",
                },
            ),
        ],
        "wins": [
            (40, 0, "Ollie put both shoes on by himself for the first time!"),
            (10, 1, "Did up three buttons on his school shirt before breakfast."),
            (2, None, "Walked out of the door on time three days in a row."),
        ],
        "retired": ("Hand-over-hand shoe practice", "dressing", 0, 50),
    },
    "lily": {
        "caregivers": ["parent1@demo.example"],
        "goals": [
            {
                "title": "Lily lets us brush her hair with no more than a little fuss",
                "area": "sensory",
                "setting": "home",
                "priority": 1,
                "baseline": "Screams and runs away; hair is brushed once a week at most.",
                "levels": [
                    "Runs away and screams at the sight of the brush",
                    "Lets us brush for a few strokes with a warning",
                    "Lets us brush her hair most days with a little fuss",
                    "Brushes the front herself, lets us do the back",
                    "Asks for her hair to be brushed",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -1), (28, 0), (7, 0)],
                "family": [(63, -2), (35, -1), (14, 0), (2, 0)],
                "scores": [(84, "baseline", 2, 1), (7, "review", 6, 6)],
            },
            {
                "title": "Lily stays in the supermarket for a short shop",
                "area": "social",
                "setting": "community",
                "priority": 2,
                "baseline": "Covers her ears and cries within a minute of going in.",
                "levels": [
                    "Cannot go in",
                    "Stays five minutes with ear defenders",
                    "Stays for a ten-minute shop with ear defenders",
                    "Stays for a ten-minute shop and helps find things",
                    "Stays for the weekly shop",
                ],
                "baseline_level": -1,
                "therapist": [(70, -1), (28, -1), (7, 0)],
                "family": [(49, -1), (21, -1), (5, 0)],
                "scores": [(70, "baseline", 3, 2), (7, "review", 5, 5)],
            },
        ],
        "strategies": [
            (
                "Squeeze and count before brushing",
                "bath",
                [0],
                {
                    "what_to_do": "Firm head squeeze with both hands and count to five together, then brush with a soft brush while she holds a mirror.",
                    "why_it_helps": "Firm touch first makes the light touch of the brush easier to bear.",
                    "how_often": "Every day after the bath",
                    "materials": "Soft brush, detangling spray, hand mirror",
                    "hard_day_tip": "Brush teddy's hair first, then three strokes of hers.",
                },
            ),
            ("Heavy work before the hard part", "out_and_about", [1], None),
            ("Wind-down box", "bedtime", [0], None),
        ],
        "wins": [
            (30, 0, "Lily brushed the front of her hair herself and laughed in the mirror."),
            (6, 1, "Ten minutes in Tesco with her ear defenders, and she found the bananas!"),
        ],
        "retired": None,
    },
    "zara": {
        "caregivers": ["parent2@demo.example", "nanny2@demo.example"],
        "goals": [
            {
                "title": "Zara tries a new food at dinner once a week",
                "area": "feeding",
                "setting": "home",
                "priority": 1,
                "baseline": "Eats six safe foods; leaves the table if a new food is on it.",
                "levels": [
                    "Leaves the table if a new food is near",
                    "Lets a new food stay on a side plate",
                    "Touches or smells a new food once a week",
                    "Tastes a new food once a week",
                    "Has added two new foods to her safe list",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -1), (28, -1), (7, 0)],
                "family": [(63, -1), (35, -1), (14, 0), (1, 0)],
                "scores": [(84, "baseline", 2, 2), (7, "review", 5, 6)],
            },
            {
                "title": "After school goes calmly, without a meltdown",
                "area": "sensory",
                "setting": "home",
                "priority": 1,
                "baseline": "Meltdown most days within half an hour of getting home.",
                "levels": [
                    "Meltdown every day after school",
                    "Meltdown on most days",
                    "Calm on most days with the quiet ten minutes",
                    "Calm nearly every day",
                    "Calm every day and tells us about her day",
                ],
                "baseline_level": -1,
                "therapist": [(84, -1), (56, -1), (28, 0), (7, 1)],
                "family": [(70, -1), (42, 0), (21, 0), (4, 1)],
                "scores": [(84, "baseline", 3, 2), (7, "review", 7, 8)],
            },
            {
                "title": "Zara gets dressed for school with a visual plan",
                "area": "self_care",
                "setting": "home",
                "priority": 3,
                "baseline": "Needs constant prompting; takes 40 minutes.",
                "levels": [
                    "Needs prompting at every step",
                    "Dresses with a prompt every few steps",
                    "Dresses using the picture plan in 20 minutes",
                    "Dresses with the plan in 15 minutes",
                    "Dresses without the plan in 15 minutes",
                ],
                "baseline_level": -1,
                "therapist": [(56, -1), (28, -1), (7, -1)],
                "family": [(21, -1)],
                "scores": [],
            },
        ],
        "strategies": [
            ("Learning plate", "mealtimes", [0], None),
            (
                "Quiet ten minutes with the trampoline",
                "after_school",
                [1],
                {
                    "what_to_do": "Straight home, snack ready, then ten minutes on the trampoline or in her den before any questions.",
                    "why_it_helps": "School takes a lot of energy; movement and quiet let her body reset.",
                    "how_often": "Every school day",
                    "materials": "Trampoline or a den with cushions, a safe snack",
                    "hard_day_tip": "Skip the questions altogether; a thumbs up or down is enough.",
                },
            ),
            ("Picture list for the morning", "dressing", [2], None),
            ("Wind-down box", "bedtime", [1], None),
        ],
        "wins": [
            (45, 0, "Zara let a strawberry sit on her plate for the whole dinner."),
            (12, 1, "No meltdown after school all week. She told Anna about her train drawing."),
            (3, 0, "She licked the strawberry!"),
        ],
        "retired": ("Visual timer for the snack", "after_school", 1, 30),
    },
    "arjun": {
        "caregivers": ["parent3@demo.example"],
        "goals": [
            {
                "title": "Arjun writes a page of homework without his hand hurting",
                "area": "fine_motor",
                "setting": "school",
                "priority": 1,
                "baseline": "Stops after three lines; says his hand hurts; writing is hard to read.",
                "levels": [
                    "Stops after a few lines, hand hurts",
                    "Writes half a page with breaks",
                    "Writes a page with one break",
                    "Writes a page without a break, mostly readable",
                    "Writes a page, readable, and asks for no breaks",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -1), (28, 0), (7, 0)],
                "family": [(63, -1), (35, -1), (14, 0)],
                "scores": [(84, "baseline", 3, 2), (7, "review", 6, 5)],
            },
            {
                "title": "Arjun packs his school bag the night before",
                "area": "school",
                "setting": "home",
                "priority": 2,
                "baseline": "Bag packed by a parent every morning; things often forgotten.",
                "levels": [
                    "A parent packs the bag",
                    "Packs with a parent reading the list",
                    "Packs using his checklist with one reminder",
                    "Packs using his checklist without reminders",
                    "Packs without the checklist, nothing forgotten",
                ],
                "baseline_level": -2,
                "therapist": [(84, -2), (56, -2), (28, -1), (7, 0)],
                "family": [(42, -1), (21, -1), (2, 1)],
                "scores": [(84, "baseline", 2, 1), (7, "review", 6, 6)],
            },
        ],
        "strategies": [
            ("Warm hands before writing", "homework", [0], None),
            ("Heavy work before the hard part", "after_school", [0], None),
            (
                "Bag checklist by the door",
                "bedtime",
                [1],
                {
                    "what_to_do": "A laminated checklist on the door. After teeth, he ticks each item into the bag with a whiteboard pen.",
                    "why_it_helps": "The list holds the plan so his attention doesn't have to.",
                    "how_often": "Every school night",
                    "materials": "Laminated checklist, whiteboard pen",
                    "hard_day_tip": "Pack together and let him do the ticking.",
                },
            ),
        ],
        "wins": [
            (20, 1, "Arjun packed his bag on his own and remembered his PE kit."),
            (5, 0, "Wrote a whole page of his history homework and said it didn't hurt."),
        ],
        "retired": None,
    },
}

# Practice pattern over the last eight weeks: which days (ago) a strategy was
# practised, and how it went. More practice lately, as the habit forms.
OUTCOMES = [Outcome.WELL, Outcome.WELL, Outcome.MIXED, Outcome.WELL, Outcome.HARD]


def _practice_days(index: int) -> list[int]:
    recent = [d for d in range(0, 28) if (d + index) % 2 == 0]
    earlier = [d for d in range(28, 56) if (d + index) % 4 == 0]
    return recent + earlier


def _library() -> dict[str, StrategyTemplate]:
    templates = {}
    for spec in LIBRARY:
        template, _ = StrategyTemplate.objects.get_or_create(
            title=spec["title"], defaults={k: v for k, v in spec.items() if k != "title"}
        )
        templates[spec["title"]] = template
    return templates


def seed(practice: DemoPractice) -> None:
    today = timezone.localdate()
    templates = _library()
    for key, story in STORY.items():
        child = practice.children[key]
        therapist = child.assignments.select_related("therapist").first().therapist
        caregivers = [practice.users[email] for email in story["caregivers"]]
        goals = []
        for spec in story["goals"]:
            levels = spec["levels"]
            goal, created = Goal.objects.get_or_create(
                child=child,
                title=spec["title"],
                defaults={
                    "area": spec["area"],
                    "setting": spec["setting"],
                    "priority": spec["priority"],
                    "baseline": spec["baseline"],
                    "level_minus_2": levels[0],
                    "level_minus_1": levels[1],
                    "level_0": levels[2],
                    "level_plus_1": levels[3],
                    "level_plus_2": levels[4],
                    "baseline_level": spec["baseline_level"],
                    "agreed_with_family_on": today - timedelta(days=88),
                    "target_date": today + timedelta(days=60),
                    "review_date": today + timedelta(days=14),
                    "therapist_notes": "Reviewed with parent at each session; see session notes.",
                    "created_by": therapist,
                },
            )
            goals.append(goal)
            if not created:
                continue
            Goal.objects.filter(pk=goal.pk).update(created_at=timezone.now() - timedelta(days=88))
            for days, level in spec["therapist"]:
                ProgressRating.objects.create(
                    goal=goal,
                    child_id=goal.child_id,
                    rated_on=today - timedelta(days=days),
                    level=level,
                    source=RatingSource.THERAPIST,
                    rated_by=therapist,
                    note="Rated in session.",
                )
            for index, (days, level) in enumerate(spec["family"]):
                ProgressRating.objects.create(
                    goal=goal,
                    child_id=goal.child_id,
                    rated_on=today - timedelta(days=days),
                    level=level,
                    source=RatingSource.CAREGIVER,
                    rated_by=caregivers[index % len(caregivers)],
                    note="",
                )
            for days, kind, performance, satisfaction in spec["scores"]:
                FamilyRating.objects.create(
                    goal=goal,
                    rated_on=today - timedelta(days=days),
                    kind=kind,
                    performance=performance,
                    satisfaction=satisfaction,
                    rated_by=caregivers[0],
                )
        for index, (title, routine, goal_indexes, own) in enumerate(story["strategies"]):
            template = templates.get(title)
            fields = own or {
                name: getattr(template, name)
                for name in ("what_to_do", "why_it_helps", "how_often", "materials", "hard_day_tip")
            }
            strategy, created = HomeStrategy.objects.get_or_create(
                child=child,
                title=title,
                defaults={
                    "routine": routine,
                    "template": template,
                    "created_by": therapist,
                    **fields,
                },
            )
            if not created:
                continue
            strategy.goals.set([goals[i] for i in goal_indexes])
            PracticeLog.objects.bulk_create(
                PracticeLog(
                    strategy=strategy,
                    child_id=strategy.child_id,
                    caregiver=caregivers[(day // 2 + index) % len(caregivers)],
                    practised_on=today - timedelta(days=day),
                    outcome=OUTCOMES[(day + index) % len(OUTCOMES)],
                    note="Tired today." if (day + index) % len(OUTCOMES) == 4 else "",
                )
                for day in _practice_days(index)
            )
        if story["retired"]:
            title, routine, goal_index, retired_days = story["retired"]
            strategy, created = HomeStrategy.objects.get_or_create(
                child=child,
                title=title,
                defaults={
                    "routine": routine,
                    "what_to_do": "Replaced by a strategy that suited the family better.",
                    "retired_on": today - timedelta(days=retired_days),
                    "created_by": therapist,
                },
            )
            if created:
                strategy.goals.set([goals[goal_index]])
        for days, goal_index, text in story["wins"]:
            if Win.objects.filter(child=child, text=text).exists():
                continue
            Win.objects.create(
                child=child,
                goal=goals[goal_index] if goal_index is not None else None,
                author=caregivers[days % len(caregivers)],
                text=text,
                created_at=timezone.now() - timedelta(days=days),
            )
