package conf

import "goswan/conf/token"

// errorList flattens several token.ErrorLists into one sorted list.
type errorList []error

func (l errorList) flatten() error {
	var out token.ErrorList
	for _, e := range l {
		switch x := e.(type) {
		case token.ErrorList:
			out = append(out, x...)
		case *token.Error:
			out = append(out, x)
		default:
			out.Add(token.Position{}, e.Error())
		}
	}
	out.RemoveMultiples()
	return out.Err()
}
