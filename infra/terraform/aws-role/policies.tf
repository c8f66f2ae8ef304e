# The role's two policy documents, from the templates in policies/. Apart from the resources so that
# infra/terraform/aws-role.infra-test.ts can render them with OpenTofu where no AWS provider installs.
locals {
  policy_vars = {
    trusted_principal_arn = var.trusted_principal_arn
    external_id           = var.external_id
    bucket                = var.bucket
    prefix                = var.prefix
    glue_database         = var.glue_database
    region                = var.region
    account_id            = var.account_id
  }
  trust_policy       = templatefile("${path.module}/policies/trust.json.tftpl", local.policy_vars)
  permissions_policy = templatefile("${path.module}/policies/permissions.json.tftpl", local.policy_vars)
}
