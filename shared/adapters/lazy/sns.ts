// Loaded by import() when first needed (a split chunk of the Lambda bundle): the names used only, since
// import() of the client's package itself would keep every one of its commands in the chunk.
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
