import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "text" | "json";
export type { Logger };

/**
 * The one logger of the CLI. JSON lines (pino) when asked for machine-readable logs, otherwise
 * plain one-line text. Logs go to stderr so stdout stays free for command output (`info --json`).
 */
export function createLogger(format: LogFormat, level = "info"): Logger {
  if (format === "json") return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: false,
    translateTime: "SYS:yyyy-mm-dd HH:MM:ss",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return pino({ level, base: undefined }, stream);
}
