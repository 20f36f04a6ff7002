from families.forms import InvitationForm


def test_children_ids_beyond_any_database_are_an_invalid_choice(world):
    form = InvitationForm(
        {
            "full_name": "Auntie",
            "email": "auntie@example.org",
            "relationship": "other",
            "access_level": "supporting",
            "children": ["99999999999999999999999999"],
        },
        family=world.family,
        user=world.parent,
    )
    assert not form.is_valid()
    assert "children" in form.errors


def test_another_familys_child_is_an_invalid_choice(world):
    form = InvitationForm(
        {
            "full_name": "Auntie",
            "email": "auntie@example.org",
            "relationship": "other",
            "access_level": "supporting",
            "children": [world.other_child.pk],
        },
        family=world.family,
        user=world.parent,
    )
    assert not form.is_valid()
    assert "children" in form.errors
