output "role_arn" {
  description = "Enter it, with the external ID, in Floe's AWS role connection."
  value       = aws_iam_role.floe.arn
}

output "external_id" {
  description = "The external ID the role's trust policy requires."
  value       = var.external_id
}
