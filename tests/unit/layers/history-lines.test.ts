// The reconstructed Dockerfile lists every history entry, not only the ones that made a layer.
import { describe, expect, it } from "vitest";
import { dockerfileFromLines, historyLines } from "../../../lib/layers/history";

// 11 entries, 4 of them layers: what a typical `FROM debian` + app image records
const history = [
  { created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
  { created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
  { created_by: "WORKDIR /app", empty_layer: true },
  { created_by: "ENV NODE_ENV=production", empty_layer: true },
  { created_by: "RUN /bin/sh -c apt-get update # buildkit" },
  { created_by: "LABEL org.opencontainers.image.source=x", empty_layer: true },
  { created_by: "COPY . /app # buildkit" },
  { created_by: "EXPOSE map[8080/tcp:{}]", empty_layer: true },
  { created_by: "RUN /bin/sh -c npm ci # buildkit" },
  { created_by: 'ENTRYPOINT ["node"]', empty_layer: true },
  { created_by: 'CMD ["server.js"]', empty_layer: true },
];

describe("historyLines", () => {
  it("keeps every entry in order, marks the empty ones and pairs each layer with its step", () => {
    const lines = historyLines(history, 4);
    expect(lines).toHaveLength(11);
    expect(lines.map((l) => l.instruction)).toEqual([
      "ADD file:abc in /",
      'CMD ["bash"]',
      "WORKDIR /app",
      "ENV NODE_ENV=production",
      "RUN apt-get update",
      "LABEL org.opencontainers.image.source=x",
      "COPY . /app",
      "EXPOSE map[8080/tcp:{}]",
      "RUN npm ci",
      'ENTRYPOINT ["node"]',
      'CMD ["server.js"]',
    ]);
    expect(lines.filter((l) => l.emptyLayer).map((l) => l.historyIndex)).toEqual([1, 2, 3, 5, 7, 9, 10]);
    expect(lines.map((l) => l.layerIndex)).toEqual([0, null, null, null, 1, null, 2, null, 3, null, null]);
  });

  it("appends layers no entry made, so each layer still shows", () => {
    const lines = historyLines([{ created_by: "COPY a /a" }], 2);
    expect(lines).toEqual([
      { historyIndex: 0, instruction: "COPY a /a", emptyLayer: false, layerIndex: 0 },
      { historyIndex: null, instruction: "", emptyLayer: false, layerIndex: 1 },
    ]);
  });
});

describe("dockerfileFromLines", () => {
  it("writes one line per entry, comments where no step is known", () => {
    const text = dockerfileFromLines(historyLines([...history.slice(0, 3), {}], 3));
    expect(text).toBe('ADD file:abc in /\nCMD ["bash"]\nWORKDIR /app\n# step 4: no created_by recorded\n# layer 3: no history entry\n');
    expect(dockerfileFromLines([])).toBe("");
  });
});
