/**
 * The key policy KMS attaches when CreateKey is called without one, in the exact text GetKeyPolicy
 * returns for it (KMS-REFERENCE §13: two-space Jackson pretty print with " : " separators).
 */
export function defaultKeyPolicy(account: string): string {
  return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::${account}:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`;
}
