import BoxerTestSupport
import Foundation
import Testing

/// The real `boxer` and, where installed, the real `vagrant`, run in a folder of the test's with
/// homes of its own.
struct CommandRunner {
    let folder: TemporaryFolder
    let boxerHome: URL
    let vagrantHome: URL

    init() throws {
        folder = try TemporaryFolder("boxer-commands")
        boxerHome = try folder.folder("boxer-home")
        vagrantHome = try folder.folder("vagrant-home")
    }

    /// A project folder holding `vagrantfile`.
    func project(_ name: String, vagrantfile: String) throws -> URL {
        let project = try folder.folder(name)
        try vagrantfile.write(to: project.appendingPathComponent("Vagrantfile"), atomically: true, encoding: .utf8)
        return project
    }

    func boxer(_ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:]) throws -> ProgramRun {
        try ProgramRun.boxer(arguments, home: boxerHome, directory: directory ?? folder.url, environment: extra)
    }

    /// Debian's vagrant 2.3.4: no version check, its own home, plugins (vagrant-libvirt) kept.
    func vagrant(_ arguments: [String], in directory: URL? = nil, environment extra: [String: String] = [:]) throws -> ProgramRun {
        try ProgramRun.vagrant(arguments, home: vagrantHome, directory: directory ?? folder.url, environment: extra)
    }
}

/// One machine-readable line, `timestamp,target,type,data...`.
struct Record: Equatable, CustomStringConvertible {
    let target: String
    let type: String
    let data: [String]

    /// The lines of `output` that are records; anything else (there should be nothing) fails.
    static func parse(_ output: String) throws -> [Record] {
        try output.split(separator: "\n").map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count >= 3 && fields[0].count == 10 && Int(fields[0]) != nil, "not a machine-readable record: \(line)")
            return Record(target: fields[1], type: fields[2], data: Array(fields.dropFirst(3)))
        }
    }

    var description: String { ([target, type] + data).joined(separator: ",") }
}
