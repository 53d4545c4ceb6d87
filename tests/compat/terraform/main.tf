# Terraform compatibility fixture (tests/compat/terraform.test.ts): every KMS resource and data source
# of hashicorp/aws 5.100.0 that works without a CloudHSM cluster or an external key store, against the
# local service. The test copies this file into a temp dir and writes terraform.tfvars.json.
#
# Not used: aws_kms_custom_key_store (resource and data source; needs CloudHSM or an XKS proxy),
# the data source aws_kms_secret (removed from the provider: it only errors) and the ephemeral
# resource aws_kms_secrets (ephemeral values cannot reach a root module output).

terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" {
  type = string
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "replica_region" {
  type    = string
  default = "us-west-2"
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}

# Random per run: alias names and descriptions.
variable "suffix" {
  type = string
}

# 32 random bytes, base64: the imported material of the external keys.
variable "key_material_base64" {
  type      = string
  sensitive = true
}

variable "secret_plaintext" {
  type      = string
  sensitive = true
}

provider "aws" {
  region     = var.region
  access_key = var.access_key
  secret_key = var.secret_key
  endpoints {
    kms = var.endpoint
    sts = var.endpoint
  }
}

provider "aws" {
  alias      = "west"
  region     = var.replica_region
  access_key = var.access_key
  secret_key = var.secret_key
  endpoints {
    kms = var.endpoint
    sts = var.endpoint
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
  root    = "arn:${data.aws_partition.current.partition}:iam::${local.account}:root"
  context = {
    app   = "terraform-compat"
    stage = "test"
  }
}

# --- keys -----------------------------------------------------------------------------------------

resource "aws_kms_key" "symmetric" {
  description             = "tf symmetric ${var.suffix}"
  deletion_window_in_days = 7
  enable_key_rotation     = true
  rotation_period_in_days = 90
  tags = {
    Name  = "tf-symmetric-${var.suffix}"
    Owner = "compat-tests"
  }
}

resource "aws_kms_key" "rsa_sign" {
  description              = "tf rsa sign ${var.suffix}"
  deletion_window_in_days  = 7
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_kms_key" "ecc_sign" {
  description              = "tf ecc sign ${var.suffix}"
  deletion_window_in_days  = 7
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
}

resource "aws_kms_key" "rsa_encrypt" {
  description              = "tf rsa encrypt ${var.suffix}"
  deletion_window_in_days  = 7
  customer_master_key_spec = "RSA_3072"
  key_usage                = "ENCRYPT_DECRYPT"
}

resource "aws_kms_key" "hmac" {
  description              = "tf hmac ${var.suffix}"
  deletion_window_in_days  = 7
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
  tags = {
    Kind = "hmac"
  }
}

resource "aws_kms_key" "multi_region" {
  description             = "tf multi-region primary ${var.suffix}"
  deletion_window_in_days = 7
  multi_region            = true
}

resource "aws_kms_key" "with_policy" {
  description             = "tf custom policy ${var.suffix}"
  deletion_window_in_days = 7
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "tf-custom-${var.suffix}"
    Statement = [
      {
        Sid       = "EnableRootAccess"
        Effect    = "Allow"
        Principal = { AWS = local.root }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "DenyDisableFromOtherAccounts"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = ["kms:DisableKey", "kms:ScheduleKeyDeletion"]
        Resource  = "*"
        Condition = {
          StringNotEquals = { "kms:CallerAccount" = local.account }
        }
      },
    ]
  })
}

# Its policy is managed by aws_kms_key_policy below.
resource "aws_kms_key" "policy_target" {
  description             = "tf key policy target ${var.suffix}"
  deletion_window_in_days = 7
}

resource "aws_kms_key_policy" "policy_target" {
  key_id = aws_kms_key.policy_target.id
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "tf-key-policy-${var.suffix}"
    Statement = [
      {
        Sid       = "EnableRootAccess"
        Effect    = "Allow"
        Principal = { AWS = local.root }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AllowUseWithContext"
        Effect    = "Allow"
        Principal = { AWS = local.root }
        Action    = ["kms:Encrypt", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:EncryptionContext:app" = "terraform-compat" }
        }
      },
    ]
  })
}

resource "aws_kms_replica_key" "replica" {
  provider                = aws.west
  description             = "tf replica ${var.suffix}"
  deletion_window_in_days = 7
  primary_key_arn         = aws_kms_key.multi_region.arn
  tags = {
    Role = "replica"
  }
}

resource "aws_kms_external_key" "external" {
  description             = "tf external ${var.suffix}"
  deletion_window_in_days = 7
  enabled                 = true # unset, the provider disables the key after the import
  multi_region            = true
  key_material_base64     = var.key_material_base64
  tags = {
    Origin = "external"
  }
}

resource "aws_kms_replica_external_key" "replica_external" {
  provider                = aws.west
  description             = "tf replica external ${var.suffix}"
  deletion_window_in_days = 7
  enabled                 = true
  primary_key_arn         = aws_kms_external_key.external.arn
  key_material_base64     = var.key_material_base64
}

# --- aliases and grants -----------------------------------------------------------------------------

resource "aws_kms_alias" "symmetric" {
  name          = "alias/tf-symmetric-${var.suffix}"
  target_key_id = aws_kms_key.symmetric.key_id
}

resource "aws_kms_alias" "rsa_sign" {
  name          = "alias/tf-rsa-sign-${var.suffix}"
  target_key_id = aws_kms_key.rsa_sign.arn
}

resource "aws_kms_alias" "prefixed" {
  name_prefix   = "alias/tf-prefixed-${var.suffix}-"
  target_key_id = aws_kms_key.hmac.key_id
}

resource "aws_kms_alias" "replica" {
  provider      = aws.west
  name          = "alias/tf-replica-${var.suffix}"
  target_key_id = aws_kms_replica_key.replica.key_id
}

resource "aws_kms_grant" "equals" {
  name              = "tf-equals-${var.suffix}"
  key_id            = aws_kms_key.symmetric.key_id
  grantee_principal = data.aws_caller_identity.current.arn
  operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
  constraints {
    encryption_context_equals = local.context
  }
}

resource "aws_kms_grant" "subset" {
  name               = "tf-subset-${var.suffix}"
  key_id             = aws_kms_key.symmetric.arn
  grantee_principal  = data.aws_caller_identity.current.arn
  retiring_principal = data.aws_caller_identity.current.arn
  retire_on_delete   = true
  operations         = ["Decrypt", "ReEncryptFrom", "DescribeKey"]
  constraints {
    encryption_context_subset = {
      app = "terraform-compat"
    }
  }
}

# --- ciphertexts and secrets ------------------------------------------------------------------------

resource "aws_kms_ciphertext" "secret" {
  key_id    = aws_kms_alias.symmetric.name
  plaintext = var.secret_plaintext
  context   = local.context
}

data "aws_kms_ciphertext" "secret" {
  key_id    = aws_kms_key.policy_target.arn
  plaintext = "data ${var.secret_plaintext}"
  context   = local.context

  depends_on = [aws_kms_key_policy.policy_target]
}

data "aws_kms_secrets" "secrets" {
  secret {
    name    = "from_resource"
    payload = aws_kms_ciphertext.secret.ciphertext_blob
    context = local.context
  }
  secret {
    name    = "from_data_source"
    payload = data.aws_kms_ciphertext.secret.ciphertext_blob
    context = local.context
    key_id  = aws_kms_key.policy_target.arn
  }
}

# --- data sources -----------------------------------------------------------------------------------

data "aws_kms_key" "by_alias" {
  key_id = aws_kms_alias.symmetric.name
}

data "aws_kms_key" "multi_region" {
  key_id = aws_kms_key.multi_region.arn

  depends_on = [aws_kms_replica_key.replica]
}

data "aws_kms_key" "replica" {
  provider = aws.west
  key_id   = aws_kms_replica_key.replica.arn
}

data "aws_kms_alias" "symmetric" {
  name = aws_kms_alias.symmetric.name
}

data "aws_kms_alias" "aws_managed" {
  name = "alias/aws/s3"
}

data "aws_kms_public_key" "rsa_sign" {
  key_id = aws_kms_alias.rsa_sign.arn
}

data "aws_kms_public_key" "ecc_sign" {
  key_id = aws_kms_key.ecc_sign.arn
}

data "aws_kms_public_key" "rsa_encrypt" {
  key_id = aws_kms_key.rsa_encrypt.key_id
}

# --- outputs ----------------------------------------------------------------------------------------

output "account_id" {
  value = local.account
}

output "caller_arn" {
  value = data.aws_caller_identity.current.arn
}

output "secrets" {
  value     = data.aws_kms_secrets.secrets.plaintext
  sensitive = true
}

output "keys" {
  value = {
    symmetric   = aws_kms_key.symmetric.arn
    rsa_sign    = aws_kms_key.rsa_sign.arn
    ecc_sign    = aws_kms_key.ecc_sign.arn
    rsa_encrypt = aws_kms_key.rsa_encrypt.arn
    hmac        = aws_kms_key.hmac.arn
    with_policy = aws_kms_key.with_policy.arn
    multi       = aws_kms_key.multi_region.arn
    replica     = aws_kms_replica_key.replica.arn
    external    = aws_kms_external_key.external.arn
    replica_ext = aws_kms_replica_external_key.replica_external.arn
  }
}

output "symmetric" {
  value = {
    key_id                  = aws_kms_key.symmetric.key_id
    rotation_period_in_days = aws_kms_key.symmetric.rotation_period_in_days
    enable_key_rotation     = aws_kms_key.symmetric.enable_key_rotation
    tags_all                = aws_kms_key.symmetric.tags_all
    policy                  = aws_kms_key.symmetric.policy
  }
}

output "key_by_alias" {
  value = {
    arn                      = data.aws_kms_key.by_alias.arn
    aws_account_id           = data.aws_kms_key.by_alias.aws_account_id
    customer_master_key_spec = data.aws_kms_key.by_alias.customer_master_key_spec
    key_spec                 = data.aws_kms_key.by_alias.key_spec
    key_usage                = data.aws_kms_key.by_alias.key_usage
    key_state                = data.aws_kms_key.by_alias.key_state
    key_manager              = data.aws_kms_key.by_alias.key_manager
    origin                   = data.aws_kms_key.by_alias.origin
    enabled                  = data.aws_kms_key.by_alias.enabled
    multi_region             = data.aws_kms_key.by_alias.multi_region
    description              = data.aws_kms_key.by_alias.description
  }
}

output "multi_region_configuration" {
  value = data.aws_kms_key.multi_region.multi_region_configuration
}

output "replica" {
  value = {
    arn                  = aws_kms_replica_key.replica.arn
    region               = split(":", aws_kms_replica_key.replica.arn)[3]
    key_id               = aws_kms_replica_key.replica.key_id
    key_spec             = aws_kms_replica_key.replica.key_spec
    key_usage            = aws_kms_replica_key.replica.key_usage
    key_rotation_enabled = aws_kms_replica_key.replica.key_rotation_enabled
    data_key_state       = data.aws_kms_key.replica.key_state
    data_multi_region    = data.aws_kms_key.replica.multi_region_configuration
    alias_target_key_arn = aws_kms_alias.replica.target_key_arn
  }
}

output "external" {
  value = {
    key_state        = aws_kms_external_key.external.key_state
    expiration_model = aws_kms_external_key.external.expiration_model
    key_usage        = aws_kms_external_key.external.key_usage
    multi_region     = aws_kms_external_key.external.multi_region
    replica_region   = split(":", aws_kms_replica_external_key.replica_external.arn)[3]
    replica_state    = aws_kms_replica_external_key.replica_external.key_state
    replica_key_id   = aws_kms_replica_external_key.replica_external.key_id
  }
}

output "aliases" {
  value = {
    symmetric_name           = aws_kms_alias.symmetric.name
    symmetric_arn            = aws_kms_alias.symmetric.arn
    symmetric_target_key_arn = aws_kms_alias.symmetric.target_key_arn
    data_target_key_id       = data.aws_kms_alias.symmetric.target_key_id
    data_target_key_arn      = data.aws_kms_alias.symmetric.target_key_arn
    data_arn                 = data.aws_kms_alias.symmetric.arn
    prefixed_name            = aws_kms_alias.prefixed.name
    aws_managed_arn          = data.aws_kms_alias.aws_managed.arn
    aws_managed_target_arn   = data.aws_kms_alias.aws_managed.target_key_arn
  }
}

output "public_keys" {
  value = {
    rsa_sign = {
      customer_master_key_spec = data.aws_kms_public_key.rsa_sign.customer_master_key_spec
      key_usage                = data.aws_kms_public_key.rsa_sign.key_usage
      signing_algorithms       = data.aws_kms_public_key.rsa_sign.signing_algorithms
      encryption_algorithms    = data.aws_kms_public_key.rsa_sign.encryption_algorithms
      public_key_pem           = data.aws_kms_public_key.rsa_sign.public_key_pem
      arn                      = data.aws_kms_public_key.rsa_sign.arn
    }
    ecc_sign = {
      customer_master_key_spec = data.aws_kms_public_key.ecc_sign.customer_master_key_spec
      key_usage                = data.aws_kms_public_key.ecc_sign.key_usage
      signing_algorithms       = data.aws_kms_public_key.ecc_sign.signing_algorithms
      public_key_pem           = data.aws_kms_public_key.ecc_sign.public_key_pem
    }
    rsa_encrypt = {
      customer_master_key_spec = data.aws_kms_public_key.rsa_encrypt.customer_master_key_spec
      key_usage                = data.aws_kms_public_key.rsa_encrypt.key_usage
      encryption_algorithms    = data.aws_kms_public_key.rsa_encrypt.encryption_algorithms
      public_key               = data.aws_kms_public_key.rsa_encrypt.public_key
    }
  }
}

output "grants" {
  value = {
    equals_id    = aws_kms_grant.equals.grant_id
    equals_token = aws_kms_grant.equals.grant_token
    subset_id    = aws_kms_grant.subset.grant_id
  }
  sensitive = true
}

# Not the data source's ciphertext: it encrypts again on every read (a new ciphertext each plan).
output "ciphertext" {
  value = aws_kms_ciphertext.secret.ciphertext_blob
}

output "policies" {
  value = {
    with_policy   = aws_kms_key.with_policy.policy
    policy_target = aws_kms_key_policy.policy_target.policy
  }
}
