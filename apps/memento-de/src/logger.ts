import { type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "text" | "json";
export type { Logger };

/** Log lines go to stderr (stdout carries the run's JSON summary): JSON lines on request, else one-line text. */
export function createLogger(format: LogFormat, level = "info"): Logger {
  if (format === "json") return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
  const stream = pretty({ destination: 2, sync: true, colorize: false, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", singleLine: true });
  return pino({ level, base: undefined }, stream);
}
