import Foundation
import Logging

/// Diagnostic logging to standard error, off unless `BOXER_LOG` is set (1, debug or trace).
public enum BoxerLog {
    /// Call once, from the executable, before any command runs.
    public static func bootstrap(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let level: Logger.Level
        switch environment["BOXER_LOG"]?.lowercased() {
        case nil, "", "0": level = .warning
        case "trace": level = .trace
        case "info": level = .info
        default: level = .debug
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
