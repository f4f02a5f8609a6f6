import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

@Suite struct MachineIndexTests {
    /// The index is shared with Vagrant: entries boxer cannot decode (Vagrant writes a list for
    /// vagrantfile_name) and keys it does not know survive boxer's writes.
    @Test func foreignEntriesSurviveUpdates() throws {
        let folder = try TemporaryFolder("boxer-index")
        let home = BoxerHome(root: folder.url)
        let indexFolder = try folder.folder("data/machine-index")
        let vagrantEntry =
            #"{"local_data_path":"/p/.vagrant","name":"old","provider":"virtualbox","state":"running","vagrantfile_name":["Custom.rb"],"vagrantfile_path":"/p","updated_at":null,"extra_data":{"box":{"name":"b","provider":"virtualbox","version":"1"}},"future_key":7}"#
        try Data(#"{"version":1,"machines":{"aaaa":\#(vagrantEntry)}}"#.utf8).write(to: indexFolder.appendingPathComponent("index"))
        let index = MachineIndex(home: home)
        #expect(index.entries()["aaaa"]?.vagrantfileName == ["Custom.rb"])
        try index.set(
            "bbbb",
            MachineIndex.Entry(
                name: "web", provider: "qemu", architecture: "amd64", state: "running", vagrantfilePath: "/q", localDataPath: "/q/.vagrant",
                box: nil))
        let written = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: indexFolder.appendingPathComponent("index"))) as? [String: Any])
        let machines = try #require(written["machines"] as? [String: [String: Any]])
        #expect(machines["aaaa"]?["future_key"] as? Int == 7, "unknown keys kept")
        #expect(machines["bbbb"]?["vagrantfile_path"] as? String == "/q")
        try index.remove("bbbb")
        #expect(Set(index.entries().keys) == ["aaaa"])
    }

    @Test func unreadableIndexIsLeftAlone() throws {
        let folder = try TemporaryFolder("boxer-index-bad")
        let indexFolder = try folder.folder("data/machine-index")
        try Data("not json".utf8).write(to: indexFolder.appendingPathComponent("index"))
        let index = MachineIndex(home: BoxerHome(root: folder.url))
        #expect(throws: MachineError.self) { try index.remove("x") }
        #expect(try String(contentsOf: indexFolder.appendingPathComponent("index"), encoding: .utf8) == "not json")
    }
}
