package douyin

// MapError exposes mapError to the tests.
var MapError = mapError
