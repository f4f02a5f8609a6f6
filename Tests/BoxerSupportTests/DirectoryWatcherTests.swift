import Foundation
import Testing

@testable import BoxerSupport

/// The watcher behind `rsync-auto`, with inotify and by polling: a change is seen (in a folder
/// made after the watch began too), a change in an excluded folder is not.
@Suite struct DirectoryWatcherTests {
    @Test(arguments: [false, true])
    func changesAreSeenAndExcludedOnesAreNot(polling: Bool) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-watcher-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/skip", withIntermediateDirectories: true)
        let watcher = DirectoryWatcher(roots: [root], polling: polling) { $0.hasPrefix("skip/") }
        watcher.pollInterval = 0.1
        #expect(watcher.usesNotifications == !polling)
        #expect(watcher.waitForChanges(timeout: 0.3).isEmpty, "nothing changed yet")
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/skip/ignored.txt"))
        #expect(watcher.waitForChanges(timeout: 0.5).isEmpty, "an excluded folder")
        try FileManager.default.createDirectory(atPath: root + "/new", withIntermediateDirectories: true)
        #expect(watcher.waitForChanges(timeout: 2) == [0], "a folder made")
        try Data("y".utf8).write(to: URL(fileURLWithPath: root + "/new/file.txt"))
        #expect(watcher.waitForChanges(timeout: 2) == [0], "a file in the new folder")
    }
}
