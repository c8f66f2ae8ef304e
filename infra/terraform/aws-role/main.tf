# The role the Floe agent assumes in your account: only the agent's own identity may assume it, only
# with Floe's external ID, and it may touch one prefix of one bucket and one Glue database.

resource "aws_iam_role" "floe" {
  name                 = var.role_name
  description          = "Assumed by the Floe agent to write Iceberg tables"
  assume_role_policy   = local.trust_policy
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "tables" {
  name   = "floe-tables"
  role   = aws_iam_role.floe.id
  policy = local.permissions_policy
}
