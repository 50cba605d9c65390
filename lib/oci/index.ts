export * from "./config";
export * from "./manifest";
export * from "./media-types";
export * from "./reference";
export * from "./size";
export * from "./tag-sort";
