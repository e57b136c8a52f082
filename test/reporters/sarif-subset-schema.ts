/**
 * A JSON Schema (draft-04, as the OASIS one) of the part of SARIF 2.1.0 shapelint writes,
 * written for these tests from the SARIF 2.1.0 specification (OASIS Standard, errata 01): the
 * objects we emit, their required properties, value constraints (levels, `startLine >= 1`,
 * `ruleIndex >= -1`, URI formats, unique arrays), and `additionalProperties: false` wherever the
 * specification closes an object, so that a misspelt property fails. The full schema checks are
 * in `sarif.test.ts`: the TC's 2.1.0-rtm.5 schema (read from the devDependency `@microsoft/jest-sarif`), and the final OASIS
 * Standard schema when `SHAPELINT_SARIF_SCHEMA` names a copy of it.
 */

const message = {
  type: "object",
  additionalProperties: false,
  properties: { text: { type: "string" }, markdown: { type: "string" }, id: { type: "string" }, arguments: { type: "array", items: { type: "string" } }, properties: { $ref: "#/definitions/propertyBag" } },
  anyOf: [{ required: ["text"] }, { required: ["id"] }],
};

const multiformat = {
  type: "object",
  additionalProperties: false,
  required: ["text"],
  properties: { text: { type: "string" }, markdown: { type: "string" }, properties: { $ref: "#/definitions/propertyBag" } },
};

export const SARIF_SUBSET_SCHEMA = {
  $schema: "http://json-schema.org/draft-04/schema#",
  type: "object",
  additionalProperties: false,
  required: ["version", "runs"],
  properties: {
    $schema: { type: "string", format: "uri" },
    version: { enum: ["2.1.0"] },
    runs: { type: "array", items: { $ref: "#/definitions/run" } },
  },
  definitions: {
    propertyBag: {
      type: "object",
      properties: { tags: { type: "array", uniqueItems: true, items: { type: "string" } } },
    },
    message,
    multiformat,
    artifactLocation: {
      type: "object",
      additionalProperties: false,
      properties: { uri: { type: "string", format: "uri-reference" }, uriBaseId: { type: "string" }, index: { type: "integer", minimum: -1 } },
    },
    region: {
      type: "object",
      additionalProperties: false,
      properties: {
        startLine: { type: "integer", minimum: 1 },
        startColumn: { type: "integer", minimum: 1 },
        endLine: { type: "integer", minimum: 1 },
        endColumn: { type: "integer", minimum: 1 },
        byteOffset: { type: "integer", minimum: -1 },
        byteLength: { type: "integer", minimum: 0 },
      },
    },
    physicalLocation: {
      type: "object",
      additionalProperties: false,
      required: ["artifactLocation"],
      properties: { artifactLocation: { $ref: "#/definitions/artifactLocation" }, region: { $ref: "#/definitions/region" } },
    },
    logicalLocation: {
      type: "object",
      additionalProperties: false,
      properties: {
        name: { type: "string" },
        fullyQualifiedName: { type: "string" },
        kind: { type: "string" },
        index: { type: "integer", minimum: -1 },
        parentIndex: { type: "integer", minimum: -1 },
        properties: { $ref: "#/definitions/propertyBag" },
      },
    },
    location: {
      type: "object",
      additionalProperties: false,
      properties: {
        id: { type: "integer", minimum: -1 },
        physicalLocation: { $ref: "#/definitions/physicalLocation" },
        logicalLocations: { type: "array", uniqueItems: true, items: { $ref: "#/definitions/logicalLocation" } },
        message: { $ref: "#/definitions/message" },
      },
    },
    reportingDescriptor: {
      type: "object",
      additionalProperties: false,
      required: ["id"],
      properties: {
        id: { type: "string" },
        name: { type: "string" },
        shortDescription: { $ref: "#/definitions/multiformat" },
        fullDescription: { $ref: "#/definitions/multiformat" },
        help: { $ref: "#/definitions/multiformat" },
        helpUri: { type: "string", format: "uri" },
        defaultConfiguration: {
          type: "object",
          additionalProperties: false,
          properties: { enabled: { type: "boolean" }, level: { enum: ["none", "note", "warning", "error"] }, rank: { type: "number", minimum: -1, maximum: 100 } },
        },
        properties: { $ref: "#/definitions/propertyBag" },
      },
    },
    notification: {
      type: "object",
      additionalProperties: false,
      required: ["message"],
      properties: {
        level: { enum: ["none", "note", "warning", "error"] },
        message: { $ref: "#/definitions/message" },
        descriptor: { type: "object", additionalProperties: false, properties: { id: { type: "string" }, index: { type: "integer", minimum: -1 } } },
        locations: { type: "array", uniqueItems: true, items: { $ref: "#/definitions/location" } },
      },
    },
    result: {
      type: "object",
      additionalProperties: false,
      required: ["message"],
      properties: {
        ruleId: { type: "string" },
        ruleIndex: { type: "integer", minimum: -1 },
        level: { enum: ["none", "note", "warning", "error"] },
        message: { $ref: "#/definitions/message" },
        locations: { type: "array", items: { $ref: "#/definitions/location" } },
        relatedLocations: { type: "array", uniqueItems: true, items: { $ref: "#/definitions/location" } },
        partialFingerprints: { type: "object", additionalProperties: { type: "string" } },
        properties: { $ref: "#/definitions/propertyBag" },
      },
    },
    run: {
      type: "object",
      additionalProperties: false,
      required: ["tool"],
      properties: {
        tool: {
          type: "object",
          additionalProperties: false,
          required: ["driver"],
          properties: {
            driver: {
              type: "object",
              additionalProperties: false,
              required: ["name"],
              properties: {
                name: { type: "string" },
                version: { type: "string" },
                semanticVersion: { type: "string" },
                informationUri: { type: "string", format: "uri" },
                rules: { type: "array", uniqueItems: true, items: { $ref: "#/definitions/reportingDescriptor" } },
              },
            },
          },
        },
        originalUriBaseIds: { type: "object", additionalProperties: { $ref: "#/definitions/artifactLocation" } },
        invocations: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["executionSuccessful"],
            properties: {
              executionSuccessful: { type: "boolean" },
              toolExecutionNotifications: { type: "array", items: { $ref: "#/definitions/notification" } },
            },
          },
        },
        columnKind: { enum: ["utf16CodeUnits", "unicodeCodePoints"] },
        results: { type: ["array", "null"], items: { $ref: "#/definitions/result" } },
      },
    },
  },
} as const;
