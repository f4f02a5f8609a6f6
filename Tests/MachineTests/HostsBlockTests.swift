import Testing

@testable import Machines

/// The hosts file block in vagrant-hostmanager's format: only this project's block changes.
@Suite struct HostsBlockTests {
    let block = HostsBlock(
        id: "p1", entries: [.init(address: "192.168.7.2", names: ["web.test", "web"]), .init(address: "192.168.7.3", names: ["db.test"])])

    @Test func theBlockListsEveryName() {
        #expect(
            block.text
                == "## vagrant-hostmanager-start id: p1\n192.168.7.2\tweb.test\n192.168.7.2\tweb\n192.168.7.3\tdb.test\n## vagrant-hostmanager-end\n"
        )
    }

    @Test func rewritingReplacesOnlyThisProjectsBlock() {
        let other = "## vagrant-hostmanager-start id: p2\n10.0.0.1\tother\n## vagrant-hostmanager-end"
        let file = "127.0.0.1 localhost\n\n## vagrant-hostmanager-start id: p1\n1.2.3.4\tstale\n## vagrant-hostmanager-end\n\(other)\n\n\n"
        let rewritten = block.rewrite(file)
        #expect(rewritten == "127.0.0.1 localhost\n\n\(other)\n\n" + block.text)
        // Again: nothing changes, no blank lines pile up.
        #expect(block.rewrite(rewritten) == rewritten)
        #expect(block.rewrite("") == block.text)
    }
}
