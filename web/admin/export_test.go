package admin

// AdminRoute is an admin route as the tests see it.
type AdminRoute struct {
	Method, Path string
	// Public routes need no login; Static ones no session either.
	Public, Static bool
	// OwnerOnly routes answer 403 to the other roles.
	OwnerOnly bool
}

// AdminRoutes returns the table of admin routes, for the route-walk test.
func AdminRoutes() []AdminRoute {
	out := make([]AdminRoute, len(adminRouteTable))
	for i, rt := range adminRouteTable {
		out[i] = AdminRoute{Method: rt.method, Path: rt.path,
			Public: rt.access == accessPublic || rt.access == accessStatic, Static: rt.access == accessStatic,
			OwnerOnly: rt.access == accessOwner}
	}
	return out
}
