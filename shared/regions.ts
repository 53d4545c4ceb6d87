/**
 * Which region names the service answers for: the regions of AWS's `aws` partition, from the AWS SDK's
 * partitions list (the one its endpoint resolution uses), so a new region arrives with an SDK update
 * rather than an edit here. Other partitions (aws-cn, aws-us-gov, ...) are not served: the service's
 * ARNs, principals and policies are all written in the `aws` partition.
 */
import { partition } from '@aws-sdk/core/client';

/** How region names are spelled (us-east-1, ap-southeast-7, eu-central-2, ...). */
export const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** The regions found so far: every request asks, and the SDK's lookup walks its whole list each time. */
const known = new Set<string>();

/** Whether `name` is a region of AWS's `aws` partition. */
export function isAwsRegion(name: string): boolean {
  if (known.has(name)) return true;
  if (!REGION_NAME.test(name)) return false;
  // The SDK matches any name to a partition (by its pattern, else `aws`); only listed regions have a description.
  const found = partition(name);
  if (found.name !== 'aws' || !('description' in found)) return false;
  known.add(name); // bounded: AWS's regions only
  return true;
}

/**
 * The region names a service answers for: AWS's, or with KMS_ALLOW_ANY_REGION any well-formed name
 * (a local service whose tests name regions freely).
 */
export function regionNames(allowAny: boolean): (name: string) => boolean {
  return allowAny ? (name) => REGION_NAME.test(name) : isAwsRegion;
}
