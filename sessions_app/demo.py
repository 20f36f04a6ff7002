"""Demo sessions, notes and assessments on top of the families and goals demo:
per child an initial assessment (signed), signed therapy notes with family
summaries (one of them rating a goal, through the goals services), and for
Ollie a draft of his latest note; Zara's first note has an addendum.

A child that already has sessions is left alone, so running it twice changes
nothing. Everything goes through the services, as a therapist's would.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from families.demo import DemoPractice
from families.models import Caregiver, Child
from goals.models import Goal, GoalStatus
from sessions_app import services
from sessions_app.models import Location, NoteTemplate, SessionType, TherapySession

TEMPLATES = [
    {
        "session_type": SessionType.INITIAL_ASSESSMENT,
        "name": "Initial assessment",
        "subjective": "Reason for referral:\nFamily's main concerns:\nWhat the child enjoys:",
        "objective": "Settings observed:\nTests and questionnaires given:\nClinical observations:",
        "assessment": "Strengths:\nWhat gets in the way:",
        "plan": "Goals to agree with the family:\nFrequency of sessions:",
        "family_summary": "Thank you for meeting us. Today we…",
    },
    {
        "session_type": SessionType.THERAPY,
        "name": "1:1 therapy",
        "subjective": "Since last session, the family reports:",
        "objective": "Activities:\nWhat we observed:",
        "assessment": "Progress towards goals:",
        "plan": "Home practice:\nNext session:",
        "family_summary": "Today we worked on… What went well… This week at home, try…",
    },
    {
        "session_type": SessionType.PARENT_COACHING,
        "name": "Parent coaching",
        "subjective": "What the parents brought today:",
        "objective": "Strategies discussed and practised:",
        "assessment": "How the routine is going:",
        "plan": "Agreed next steps:",
        "family_summary": "We talked about… The plan we agreed is…",
    },
    {
        "session_type": SessionType.GROUP_COACHING,
        "name": "Group coaching",
        "subjective": "Theme of the group:",
        "objective": "Participation:",
        "assessment": "",
        "plan": "",
        "family_summary": "In the group today we…",
    },
    {
        "session_type": SessionType.REVIEW,
        "name": "Review",
        "subjective": "Family's view of progress:",
        "objective": "Goal ratings and re-assessment:",
        "assessment": "Overall progress:",
        "plan": "Goals to continue, change or close:",
        "family_summary": "Looking back over the last weeks…",
    },
]

STORIES = {
    "oliver": {
        "history": "Born at term. Walked at 16 months. Has always found buttons, zips and "
        "cutlery hard; learned to ride a bike only this summer.",
        "concerns_parent": "Getting dressed takes 40 minutes and mornings end in tears.",
        "concerns_school": "Slow to change for PE; handwriting is large and effortful.",
        "test": ("Movement ABC-3", "Total standard score 5 (5th percentile); manual dexterity 4."),
        "strengths": "Determined, funny, loves Lego and building; great imagination.",
        "summary": "Motor co-ordination difficulties consistent with DCD, affecting "
        "self-care and school tasks.",
        "notes": [
            "We practised buttons on a big-button waistcoat and Ollie did three on his own. "
            "Try the waistcoat after breakfast, just two buttons a day.",
            "Ollie put on both shoes by himself today, sitting on the bottom stair. Keep the "
            "picture list by the door; he is proud of it.",
        ],
        "draft": True,
    },
    "lily": {
        "history": "Sensitive to noise and touch since a baby; sleeps better with a weighted "
        "blanket.",
        "concerns_parent": "Hair brushing and busy shops lead to big meltdowns.",
        "concerns_school": "Covers her ears at carpet time and avoids messy play at nursery.",
        "test": (
            "Sensory Profile 2 (caregiver)",
            "Sensitivity: much more than others; avoiding: more than others.",
        ),
        "strengths": "Loves singing and the swings; very close to her big brother.",
        "summary": "Sensory over-responsivity to touch and sound limiting self-care and "
        "community outings.",
        "notes": [
            "Lily chose her own brush and let us brush for a count of ten with a deep-pressure "
            "hug first. Try the same before nursery.",
            "We practised a short shop with ear defenders on. Lily stayed for five minutes and "
            "chose the bananas!",
        ],
    },
    "zara": {
        "history": "Autistic (diagnosed at 5). Eats a small range of foods; strong "
        "preference for routine.",
        "concerns_parent": "Mealtimes are a battle and after school is very hard.",
        "concerns_school": "Tired and withdrawn by the afternoon.",
        "test": ("Sensory Profile 2 (school companion)", "Registration: much more than others."),
        "strengths": "Brilliant at drawing; loves trains and her trampoline.",
        "summary": "Sensory and interoceptive differences affecting eating and regulation "
        "after school.",
        "notes": [
            "Zara touched and smelled a new food (cucumber) on her learning plate. Keep offering "
            "it with no pressure to eat.",
            "Ten minutes on the trampoline after school helped Zara settle. Keep the quiet time "
            "and the trampoline in the plan.",
        ],
        "addendum": True,
    },
    "arjun": {
        "history": "ADHD diagnosed at 8. Handwriting has always been slow.",
        "concerns_parent": "Homework takes hours and his hand hurts.",
        "concerns_school": "Written work unfinished; bag and books often missing.",
        "test": (
            "DASH (Detailed Assessment of Speed of Handwriting)",
            "Total standard score 6; free writing 5 words per minute.",
        ),
        "strengths": "Great at football and Minecraft; chatty and kind.",
        "summary": "Handwriting speed and organisation limiting school participation.",
        "notes": [
            "Arjun used the pencil grip and a slope board and wrote a full paragraph without "
            "pain. Warm-up hand exercises before homework.",
            "We made a bag checklist together; Arjun packed his bag in three minutes. Stick it "
            "inside his wardrobe door.",
        ],
    },
}


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _first_goal(child: Child) -> Goal | None:
    return child.goals.filter(status=GoalStatus.ACTIVE).order_by("priority", "id").first()


def _session(child: Child, therapist, kind: str, day: date, hour: int, caregivers, **extra):
    return services.session_create(
        by=therapist,
        family=child.family,
        child=child,
        therapist=therapist,
        session_type=kind,
        starts_at=_at(day, hour),
        duration_minutes=extra.pop("duration", 45),
        location=extra.pop("location", Location.CLINIC),
        child_attended=True,
        caregivers_attended=caregivers,
        **extra,
    )


def seed(practice: DemoPractice) -> None:
    for spec in TEMPLATES:
        NoteTemplate.objects.get_or_create(session_type=spec["session_type"], defaults=spec)
    today = timezone.localdate()
    for key, story in STORIES.items():
        child = practice.children[key]
        if TherapySession.objects.filter(child=child).exists():
            continue
        therapist = child.assignments.filter(ends_on__isnull=True).first().therapist
        primary = list(Caregiver.objects.filter(family=child.family, access_level="primary"))

        assessed_on = today - timedelta(days=100)
        first = _session(
            child,
            therapist,
            SessionType.INITIAL_ASSESSMENT,
            assessed_on,
            10,
            primary,
            duration=90,
        )
        assessment = services.assessment_create(
            child=child,
            by=therapist,
            session=first,
            fields={
                "assessed_on": assessed_on,
                "developmental_history": story["history"],
                "concerns_parent": story["concerns_parent"],
                "concerns_school": story["concerns_school"],
                "observed_home": True,
                "observed_clinic": True,
                "observations": "Observed at home in the morning routine and in clinic.",
                "strengths": story["strengths"],
                "summary": story["summary"],
                "recommendations": "Weekly 1:1 sessions with a parent, a home programme built "
                "into daily routines, and a review after eight weeks.",
            },
        )
        name, scores = story["test"]
        services.assessment_save_draft(
            assessment=assessment,
            by=therapist,
            fields={},
            tests=[{"name": name, "administered_on": assessed_on, "scores": scores}],
            goals=Goal.objects.filter(child=child),
        )
        services.assessment_sign(assessment=assessment, by=therapist)

        goal = _first_goal(child)
        for index, summary in enumerate(story["notes"]):
            day = today - timedelta(days=28 - 14 * index)
            session = _session(child, therapist, SessionType.THERAPY, day, 15, primary)
            rated = goal is not None and index == len(story["notes"]) - 1
            note = services.note_save_draft(
                session=session,
                by=therapist,
                fields={
                    "subjective": "The family reports steady practice at home most days.",
                    "objective": "Graded practice of the target task with visual supports.",
                    "assessment": "Steady progress towards the goal; needs fewer prompts.",
                    "plan": "Continue the home programme; next session in two weeks.",
                    "family_summary": summary,
                },
                goals_addressed=(
                    [{"goal": goal, "level": -1, "comment": "Fewer prompts needed"}]
                    if rated
                    else None
                ),
            )
            note = services.note_sign(note=note, by=therapist)
            if index == 0 and story.get("addendum"):
                services.addendum_add(
                    note=note,
                    by=therapist,
                    reason="Information from school",
                    text="School confirmed Zara also tried cucumber at lunch the next day.",
                )

        if story.get("draft"):
            session = _session(
                child, therapist, SessionType.THERAPY, today - timedelta(days=1), 16, primary
            )
            services.note_save_draft(
                session=session,
                by=therapist,
                fields={
                    "subjective": "Mum says Ollie buttoned his coat at the weekend.",
                    "objective": "Buttons on his school shirt: two of five on his own.",
                    "family_summary": "",
                },
            )
