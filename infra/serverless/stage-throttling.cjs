/**
 * A local Serverless Framework plugin: API Gateway stage throttling for the stage the framework's own
 * AWS::ApiGateway::Deployment creates (osls has no setting for it, and the Deployment's logical id
 * changes on every package, so resources.extensions cannot reach it).
 *
 * With authMode=service, unauthenticated traffic reaches the API function (it verifies SigV4 itself),
 * so the stage's default method throttling bounds what anyone can make it do: `custom.stageThrottling`
 * { rateLimit, burstLimit } (the `throttleRate` and `throttleBurst` params) becomes the Deployment's
 * StageDescription: ThrottlingRateLimit/ThrottlingBurstLimit and the same on every method (`/*`, `*`).
 * CommonJS: the framework require()s plugins.
 */
'use strict';

class StageThrottling {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.apply() };
  }

  apply() {
    const settings = this.serverless.service.custom && this.serverless.service.custom.stageThrottling;
    if (!settings) return;
    const rateLimit = Number(settings.rateLimit);
    const burstLimit = Number(settings.burstLimit);
    if (!(rateLimit > 0) || !Number.isInteger(burstLimit) || burstLimit < 1) {
      throw new this.serverless.classes.Error(
        `throttleRate must be a positive number of requests per second and throttleBurst a positive whole number (got ${settings.rateLimit} and ${settings.burstLimit})`,
      );
    }
    const resources = this.serverless.service.provider.compiledCloudFormationTemplate.Resources;
    const deployments = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGateway::Deployment');
    for (const deployment of deployments) {
      deployment.Properties.StageDescription = {
        ...deployment.Properties.StageDescription,
        ThrottlingRateLimit: rateLimit,
        ThrottlingBurstLimit: burstLimit,
        MethodSettings: [{ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }],
      };
    }
  }
}

module.exports = StageThrottling;
