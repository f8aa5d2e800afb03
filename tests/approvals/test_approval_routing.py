"""Who approves a level: up the reporting line (skipping, inactive, loops, self), or by role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cpq.approvals.policy import Approvers, Level, Require
from cpq.approvals.routing import NoApprover, Person, approvers_for
from cpq.auth.principal import Role

MANAGER = Level(
    "manager", "Sales manager", Approvers(reporting_line=Role.MANAGER), Require.ANY, None
)
DIRECTOR = Level(
    "director", "Sales director", Approvers(reporting_line=Role.DIRECTOR), Require.ANY, None
)
FINANCE = Level("finance", "Finance", Approvers(role=Role.FINANCE), Require.ALL, timedelta(days=1))


def people(*found: Person) -> dict[int, Person]:
    return {p.id: p for p in found}


#   1 Dana (director)
#   +- 2 Max (manager)
#   |  +- 3 Rita (rep)
#   +- 4 Remy (rep, straight to the director)
#   5 Fiona (finance, reports to Dana)   6 Fred (finance, inactive)   7 Ada (admin)
ORG = people(
    Person(1, "Dana", Role.DIRECTOR, None),
    Person(2, "Max", Role.MANAGER, 1),
    Person(3, "Rita", Role.REP, 2),
    Person(4, "Remy", Role.REP, 1),
    Person(5, "Fiona", Role.FINANCE, 1),
    Person(6, "Fred", Role.FINANCE, 1, active=False),
    Person(7, "Ada", Role.ADMIN, None),
)


def test_the_reps_manager_and_director() -> None:
    assert approvers_for(MANAGER, 3, ORG) == (2,)
    assert approvers_for(DIRECTOR, 3, ORG) == (1,)


def test_a_rep_reporting_straight_to_a_director_gets_the_director_for_the_manager_level() -> None:
    assert approvers_for(MANAGER, 4, ORG) == (1,)


def test_an_inactive_manager_is_passed_over() -> None:
    org = {**ORG, 2: Person(2, "Max", Role.MANAGER, 1, active=False)}

    assert approvers_for(MANAGER, 3, org) == (1,)


def test_people_off_the_sales_line_are_passed_over_on_the_way_up() -> None:
    # Rita reports to an admin, who reports to Max.
    org = {
        **ORG,
        3: Person(3, "Rita", Role.REP, 7),
        7: Person(7, "Ada", Role.ADMIN, 2),
    }

    assert approvers_for(MANAGER, 3, org) == (2,)


def test_a_manager_is_never_their_own_approver() -> None:
    # Max's own quote: the manager level goes to his director.
    assert approvers_for(MANAGER, 2, ORG) == (1,)


def test_a_loop_in_the_reporting_lines_ends_the_walk() -> None:
    org = people(
        Person(1, "A", Role.REP, 2),
        Person(2, "B", Role.REP, 3),
        Person(3, "C", Role.REP, 1),
    )

    with pytest.raises(NoApprover) as caught:
        approvers_for(MANAGER, 1, org)

    assert str(caught.value) == (
        "no approver for level 'manager' (Sales manager) of rep 1: "
        "no active manager or above up the reporting line"
    )


def test_a_rep_who_is_their_own_manager_gets_nobody() -> None:
    org = people(Person(1, "Solo", Role.MANAGER, 1))

    with pytest.raises(NoApprover):
        approvers_for(MANAGER, 1, org)


def test_nobody_above_a_top_director() -> None:
    with pytest.raises(NoApprover, match=r"level 'director' .* of rep 1"):
        approvers_for(DIRECTOR, 1, ORG)


def test_an_unknown_rep_or_manager() -> None:
    with pytest.raises(NoApprover, match="the rep is unknown"):
        approvers_for(MANAGER, 99, ORG)
    org = {**ORG, 3: Person(3, "Rita", Role.REP, 42)}
    with pytest.raises(NoApprover):
        approvers_for(MANAGER, 3, org)


def test_a_role_level_asks_every_active_person_with_the_role() -> None:
    org = {**ORG, 8: Person(8, "Flo", Role.FINANCE, None)}

    assert approvers_for(FINANCE, 3, org) == (5, 8)


def test_a_finance_person_does_not_approve_their_own_quote() -> None:
    assert approvers_for(FINANCE, 5, {**ORG, 8: Person(8, "Flo", Role.FINANCE, None)}) == (8,)
    with pytest.raises(NoApprover, match="nobody active has the role finance"):
        approvers_for(FINANCE, 5, ORG)
