"""moto's server, with the trust-policy conditions on AssumeRole evaluated the way AWS does.

moto 5.2.5 (pinned in requirements.txt for this) compares a trust policy's condition only with the
keys the request carries: AssumeRole without an ExternalId passes `StringEquals sts:ExternalId`,
and operators it does not know (StringLike, Bool, ...) pass whatever they say. AWS refuses both:
a condition on a key the request lacks is false. This module makes moto refuse them too (it cannot
evaluate an operator it does not know, so it refuses rather than allow), so that a test of an
external-ID check fails when the check is missing. Identity policies are left as moto has them.

Run it like `moto_server` (same arguments), or import it and call enforce_trust_conditions().
"""
import sys

from moto.iam.access_control import IAMPolicyStatement
from moto.iam.policy_conditions import CONDITION_OPERATIONS
from moto.server import main

identity_policy_conditions = IAMPolicyStatement._check_conditions


def trust_conditions_hold(statement: IAMPolicyStatement, request_values: dict[str, str] | None) -> bool:
    # moto passes the request's condition values only when it evaluates a role's trust policy.
    if request_values is None:
        return identity_policy_conditions(statement, request_values)
    for operator, keys in statement._statement.get("Condition", {}).items():
        test = CONDITION_OPERATIONS.get(operator)
        for key, expected in keys.items():
            actual = request_values.get(key)
            if test is None:
                print(f"moto cannot evaluate trust condition {operator} on {key}: refusing", file=sys.stderr)
            if test is None or actual is None or not test(expected, actual):
                return False
    return True


def enforce_trust_conditions() -> None:
    IAMPolicyStatement._check_conditions = trust_conditions_hold


if __name__ == "__main__":
    enforce_trust_conditions()
    sys.exit(main())
