# The values are interpolated into the JSON policy templates as they are: each variable's validation
# keeps it to characters that cannot break out of a JSON string.

variable "role_name" {
  description = "Name of the IAM role the Floe agent assumes."
  type        = string
  default     = "floe-writer"
  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1 to 64 characters of letters, digits and +=,.@_-."
  }
}

variable "trusted_principal_arn" {
  description = "ARN of the agent's own AWS identity (e.g. the IRSA role of its Kubernetes service account)."
  type        = string
  validation {
    condition     = can(regex("^arn:aws:(iam|sts)::\\d{12}:[\\w+=,.@/-]+$", var.trusted_principal_arn))
    error_message = "trusted_principal_arn must be an IAM ARN, e.g. arn:aws:iam::123456789012:role/floe-agent."
  }
}

variable "external_id" {
  description = "The external ID Floe shows for this AWS role connection; the role is refused without it."
  type        = string
  validation {
    # The length apart: RE2 allows no repeat count above 1000.
    condition = (
      can(regex("^[\\w+=,.@:/-]+$", var.external_id)) &&
      length(var.external_id) >= 2 && length(var.external_id) <= 1224
    )
    error_message = "external_id must be 2 to 1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "bucket" {
  description = "The S3 bucket that holds the Iceberg tables."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be an S3 bucket name."
  }
}

variable "prefix" {
  description = "Key prefix under which Floe writes, without leading or trailing slash (e.g. floe/warehouse)."
  type        = string
  validation {
    condition     = can(regex("^[\\w.-]+(/[\\w.-]+)*$", var.prefix))
    error_message = "prefix must be segments of letters, digits and ._- joined by /, no leading or trailing /."
  }
}

variable "glue_database" {
  description = "The Glue database Floe's Iceberg tables live in."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database))
    error_message = "glue_database must be lowercase letters, digits and _."
  }
}

variable "region" {
  description = "AWS region of the Glue catalog."
  type        = string
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "account_id" {
  description = "AWS account ID that owns the Glue catalog."
  type        = string
  validation {
    condition     = can(regex("^\\d{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}
