/// The parsed form of a Vagrantfile: a tree of nodes, each with where it came from. Unchecked:
/// a tree is built by one parser and then only read, by the interpreter on its one thread.
final class Node: @unchecked Sendable {
    let kind: Kind
    let location: SourceLocation

    init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    indirect enum Kind {
        case nilLiteral, trueLiteral, falseLiteral, selfReference
        case integer(Int)
        case float(Double)
        case string([Piece])
        /// `` `command` `` / `%x(...)`: runs through /bin/sh, its output the value.
        case shell([Piece])
        case symbol(String)
        case regex(String, options: String)
        case array([Argument])
        case hash([(Node, Node)])
        case range(Node?, Node?, exclusive: Bool)
        /// A bare name: a local variable if one is in scope, else a method call without arguments.
        case name(String)
        case constant(scope: Node?, name: String)
        case global(String)
        case instanceVariable(String)
        case call(receiver: Node?, name: String, arguments: [Argument], block: BlockLiteral?, safe: Bool)
        case index(Node, [Argument])
        case assign(Target, Node)
        /// `a += 1`, `a ||= 2`, `list << x` on a variable.
        case operatorAssign(Target, op: String, Node)
        case multipleAssign([Target], Node)
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case defined(Node)
        case conditional(Node, then: [Node], otherwise: [Node]?)
        case caseWhen(subject: Node?, clauses: [([Node], [Node])], otherwise: [Node]?)
        case loop(condition: Node, body: [Node], until: Bool)
        case forIn(Target, Node, [Node])
        case define(name: String, parameters: [Parameter], body: [Node])
        /// `def self.name` (receiver nil: `self`) or `def Const.name`: a method of that object alone.
        case defineSingleton(receiver: Node?, name: String, parameters: [Parameter], body: [Node])
        /// `class Name < Superclass ... end` / `module Name ... end`; `path` is the constant (`A::B`).
        case typeDefinition(path: Node, superclass: Node?, body: [Node], isModule: Bool)
        /// `class << self ... end`: the body defines methods of the object itself.
        case singletonClass(target: Node, body: [Node])
        /// `super` (nil arguments: pass the method's own on) or `super(...)`.
        case superCall(arguments: [Argument]?)
        case returnValue(Node?)
        case nextValue(Node?)
        case breakValue(Node?)
        case begin(body: [Node], rescue: [Rescue], otherwise: [Node]?, ensure: [Node]?)
        case lambda(BlockLiteral)
        case yield([Argument])
        case sequence([Node])
        case file
        case directory
        case line
    }

    enum Piece {
        case text(String)
        case code(Node)
    }

    indirect enum Target {
        case local(String)
        case global(String)
        case instanceVariable(String)
        case constant(String)
        case attribute(Node, String)
        case index(Node, [Argument])
        case splat(String)
        case nested([Target])
    }

    enum Argument {
        case positional(Node)
        case splat(Node)
        case pair(Node, Node)
        case doubleSplat(Node)
        case blockPass(Node)
    }

    struct Rescue {
        let classes: [Node]
        let variable: String?
        let body: [Node]
    }
}

struct Parameter {
    enum Kind {
        case required
        case optional(Node)
        case rest
        case keyword(Node?)
        case keywordRest
        case block
        case destructure([Parameter])
    }

    let name: String
    let kind: Kind
}

struct BlockLiteral {
    let parameters: [Parameter]
    let body: [Node]
    let location: SourceLocation
}
