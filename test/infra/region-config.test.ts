import { describe, expect, it } from 'vitest';
import { buildApp, cdkJsonContext, skipBundling } from '../../lib/app.js';
import {
  parseRegions,
  RegionConfigError,
  stackName,
} from '../../lib/region-config.js';
import { regionConfig } from './synth.js';

describe('parseRegions', () => {
  it("accepts cdk.json's regions, at least two of them", () => {
    const regions = parseRegions(cdkJsonContext().regions);

    expect(Object.keys(regions).length).toBeGreaterThanOrEqual(2);
  });

  it('accepts a certificate ARN in the stack region instead of a zone', () => {
    const config = regionConfig({
      // The AWS documentation's placeholder account.
      certificate: {
        certificateArn:
          'arn:aws:acm:eu-west-2:123456789012:certificate/' +
          '12345678-1234-1234-1234-123456789012',
      },
    });

    expect(parseRegions({ york: config }).york).toEqual(config);
  });

  it('refuses a missing regions context with what to add', () => {
    expect(() => parseRegions(undefined)).toThrow(/add one entry per region/);
  });

  it('names every problem at once', () => {
    const config = {
      ...regionConfig(),
      stage: 'staging',
      invitationsFrom: 'not an address',
      alarmEmails: [],
    };

    const parse = () => parseRegions({ york: config });

    expect(parse).toThrow(RegionConfigError);
    expect(parse).toThrow(/regions\.york\.stage/);
    expect(parse).toThrow(/regions\.york\.invitationsFrom/);
    expect(parse).toThrow(/regions\.york\.alarmEmails/);
  });

  it('refuses a setting it does not know, such as a misspelt one', () => {
    const config = { ...regionConfig(), domainname: 'records.example.org' };

    expect(() => parseRegions({ york: config })).toThrow(/domainname/);
  });

  it('refuses a domain outside the hosted zone', () => {
    const config = regionConfig({ domainName: 'records.example.com' });

    expect(() => parseRegions({ york: config })).toThrow(
      /regions\.york\.domainName: must be example\.org or a name under it/,
    );
  });

  it('refuses a certificate from another AWS region', () => {
    const config = regionConfig({
      certificate: {
        certificateArn:
          'arn:aws:acm:us-east-1:123456789012:certificate/' +
          '12345678-1234-1234-1234-123456789012',
      },
    });

    expect(() => parseRegions({ york: config })).toThrow(
      /must be a certificate in eu-west-2/,
    );
  });

  it('refuses a region name that cannot name a stack', () => {
    expect(() => parseRegions({ 'North East': regionConfig() })).toThrow(
      /short lower-case name/,
    );
  });

  it('reads the context as JSON when the CLI passes it as a string', () => {
    const regions = parseRegions(JSON.stringify({ york: regionConfig() }));

    expect(regions.york?.domainName).toBe('records.york.example.org');
  });
});

describe('buildApp', () => {
  it('makes one stack per region of cdk.json, named for the region', () => {
    const context: Record<string, unknown> = {
      ...cdkJsonContext(),
      ...skipBundling,
    };
    const regions = Object.keys(parseRegions(context.regions));

    const { app } = buildApp({ context });

    const names = app.node.children
      .map((child) => child.node.id)
      .filter((id) => id.startsWith('EducationRecords-'));
    expect(names.sort()).toEqual(regions.map(stackName).sort());
  });

  it("deploys each stack to its region's AWS region", () => {
    const context: Record<string, unknown> = {
      ...cdkJsonContext(),
      ...skipBundling,
    };
    const regions = parseRegions(context.regions);

    const { stacks } = buildApp({ context });

    for (const [name, stack] of stacks) {
      expect(stack.region).toBe(regions[name]?.awsRegion);
    }
  });
});
