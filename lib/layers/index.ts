export * from "./efficiency";
export * from "./entries";
export * from "./findings";
export * from "./history";
export * from "./merge";
export * from "./tar-index";
export * from "./tree";
