import Testing
@testable import Benchmarks

@Test func medianMinMaxOfOddAndEvenCounts() {
    let odd = Stats([3, 1, 2])
    #expect(odd.median == 2 && odd.min == 1 && odd.max == 3)
    #expect(odd.runs == [3, 1, 2])
    let even = Stats([4, 1, 3, 2])
    #expect(even.median == 2.5 && even.min == 1 && even.max == 4)
}

@Test func emptyAndNonFiniteInputsDoNotCrash() {
    let empty = Stats([])
    #expect(empty.isEmpty && empty.median == 0 && empty.min == 0 && empty.max == 0)
    let mixed = Stats([.nan, 5, .infinity, 1])
    #expect(mixed.median == 3 && mixed.min == 1 && mixed.max == 5)
}

@Test func scalingAndAdding() {
    let s = Stats([1, 2, 3]).scaled(1000)
    #expect(s.median == 2000 && s.max == 3000)
    let sum = Stats([1, 2, 3]).adding(Stats([10, 20]))
    #expect(sum.min == 11 && sum.median == 17 && sum.max == 23)
    #expect(Stats([]).adding(Stats([4])).median == 4)
}
