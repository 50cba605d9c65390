import { describe, expect, it } from "vitest";
import { instructionFromCreatedBy, pairHistory, reconstructDockerfile } from "../../../lib/layers/history";
import { parseImageConfig } from "../../../lib/oci/config";

describe("instructionFromCreatedBy", () => {
  it.each([
    ['/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]'],
    ["/bin/sh -c #(nop) ADD file:abc123 in / ", "ADD file:abc123 in /"],
    ["/bin/sh -c #(nop) WORKDIR /app", "WORKDIR /app"],
    ["/bin/sh -c apt-get update && apt-get install -y curl", "RUN apt-get update && apt-get install -y curl"],
    ["|2 VERSION=1.2 TARGETARCH=amd64 /bin/sh -c make install", "RUN make install"],
    ["RUN /bin/sh -c apt-get update # buildkit", "RUN apt-get update"],
    ["RUN |1 NPM_TOKEN=abc /bin/sh -c npm ci # buildkit", "RUN npm ci"],
    ["RUN /bin/bash -o pipefail -c curl -fsSL x | sh # buildkit", "RUN curl -fsSL x | sh"],
    ["RUN npm ci # buildkit", "RUN npm ci"],
    ["COPY file:abc in /x", "COPY file:abc in /x"],
    ["COPY . /app # buildkit", "COPY . /app"],
    ["ENV NODE_ENV=production", "ENV NODE_ENV=production"],
    ["USER 10001", "USER 10001"],
    ["/bin/sh -c COPY_ALL=1 make", "RUN COPY_ALL=1 make"],
    ["", ""],
  ])("%j → %j", (createdBy, instruction) => {
    expect(instructionFromCreatedBy(createdBy)).toBe(instruction);
  });

  it("returns an empty string for a missing created_by", () => {
    expect(instructionFromCreatedBy(null)).toBe("");
    expect(instructionFromCreatedBy(undefined)).toBe("");
  });
});

// Shaped like docker.io/library/node:20-slim's config: base image steps, then buildkit steps.
const rawHistory = [
  { created_by: "/bin/sh -c #(nop) ADD file:9a0a7 in / " },
  { created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
  { created_by: "ENV NODE_VERSION=20.11.0", comment: "buildkit.dockerfile.v0", empty_layer: true },
  { created_by: "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit", comment: "buildkit.dockerfile.v0" },
  { created_by: "COPY docker-entrypoint.sh /usr/local/bin/ # buildkit", comment: "buildkit.dockerfile.v0" },
  { created_by: 'ENTRYPOINT ["docker-entrypoint.sh"]', empty_layer: true },
];

describe("pairHistory", () => {
  it("pairs only the layer-producing steps with the manifest's layers, in order", () => {
    const paired = pairHistory(rawHistory, 3);
    expect(paired.mismatch).toBeNull();
    expect(paired.layerSteps).toEqual([0, 3, 4]);
    expect(paired.layers.map((h) => h?.created_by)).toEqual([
      rawHistory[0]?.created_by,
      rawHistory[3]?.created_by,
      rawHistory[4]?.created_by,
    ]);
    expect(paired.steps.map((s) => [s.layerIndex, s.instruction])).toEqual([
      [0, "ADD file:9a0a7 in /"],
      [null, 'CMD ["bash"]'],
      [null, "ENV NODE_VERSION=20.11.0"],
      [1, "RUN apt-get update && apt-get install -y curl"],
      [2, "COPY docker-entrypoint.sh /usr/local/bin/"],
      [null, 'ENTRYPOINT ["docker-entrypoint.sh"]'],
    ]);
  });

  it("accepts history as parsed by lib/oci/config (camelCase) too", () => {
    const config = parseImageConfig(JSON.stringify({ history: rawHistory }));
    expect(pairHistory(config.history, 3).layerSteps).toEqual([0, 3, 4]);
  });

  it("pairs what it can and reports the mismatch when the counts disagree", () => {
    const fewerLayers = pairHistory(rawHistory, 2);
    expect(fewerLayers.mismatch).toEqual({ historyLayers: 3, manifestLayers: 2 });
    expect(fewerLayers.layerSteps).toEqual([0, 3]);
    expect(fewerLayers.steps[4]?.layerIndex).toBeNull();

    const moreLayers = pairHistory(rawHistory, 5);
    expect(moreLayers.mismatch).toEqual({ historyLayers: 3, manifestLayers: 5 });
    expect(moreLayers.layerSteps).toEqual([0, 3, 4, null, null]);
    expect(moreLayers.layers[4]).toBeNull();
  });
});

describe("reconstructDockerfile", () => {
  it("writes one instruction per step, empty-layer steps included", () => {
    expect(reconstructDockerfile([...rawHistory, { created_by: "" }])).toBe(
      [
        "ADD file:9a0a7 in /",
        'CMD ["bash"]',
        "ENV NODE_VERSION=20.11.0",
        "RUN apt-get update && apt-get install -y curl",
        "COPY docker-entrypoint.sh /usr/local/bin/",
        'ENTRYPOINT ["docker-entrypoint.sh"]',
        "",
      ].join("\n"),
    );
    expect(reconstructDockerfile([])).toBe("");
  });
});
