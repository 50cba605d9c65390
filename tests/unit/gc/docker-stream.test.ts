import { describe, expect, it } from "vitest";
import { DockerStreamDemuxer, DockerStreamError, dockerFrame } from "../../../lib/gc/docker-stream";

function demux(chunks: Buffer[]): [string, string][] {
  const frames: [string, string][] = [];
  const demuxer = new DockerStreamDemuxer((stream, payload) => frames.push([stream, payload.toString("utf8")]));
  for (const chunk of chunks) demuxer.push(chunk);
  demuxer.end();
  return frames;
}

describe("Docker multiplexed stream demuxer", () => {
  const stream = Buffer.concat([
    dockerFrame("stdout", "team/app\n"),
    dockerFrame("stderr", 'time="…" level=info msg="Deleting blob: …"\n'),
    dockerFrame("stdout", ""),
    dockerFrame("stdout", "8 blobs marked, 3 blobs and 0 manifests eligible for deletion\n"),
  ]);
  const expected = [
    ["stdout", "team/app\n"],
    ["stderr", 'time="…" level=info msg="Deleting blob: …"\n'],
    ["stdout", ""],
    ["stdout", "8 blobs marked, 3 blobs and 0 manifests eligible for deletion\n"],
  ];

  it("reads a hand-built header: type byte, three zero bytes, big-endian size", () => {
    const frame = Buffer.from([2, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect(demux([frame])).toEqual([["stderr", "abc"]]);
  });

  it("splits frames delivered in one chunk", () => {
    expect(demux([stream])).toEqual(expected);
  });

  it("reassembles frames delivered one byte at a time", () => {
    expect(demux([...stream].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it("reassembles frames cut at every possible position", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(demux([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(expected);
    }
  });

  it("handles a payload larger than 64 KiB (size needs all four bytes)", () => {
    const big = "x".repeat(70_000);
    expect(demux([dockerFrame("stdout", big)])).toEqual([["stdout", big]]);
  });

  it("refuses a TTY (raw) stream instead of emitting garbage", () => {
    expect(() => demux([Buffer.from("team/app\nsome raw output\n")])).toThrow(DockerStreamError);
  });

  it("refuses a stream that ends inside a frame", () => {
    const frame = dockerFrame("stdout", "hello");
    expect(() => demux([frame.subarray(0, frame.length - 1)])).toThrow(/ended inside a frame/);
  });
});
