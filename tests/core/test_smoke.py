from sixfold.core.models import Resident


def test_world_scoping(world):
    grid_worker = world.users["grid_worker"]
    visible = set(Resident.objects.visible_to(grid_worker))
    assert visible == {world.resident}
    admin = world.users["street_admin"]
    assert Resident.objects.visible_to(admin).count() == 3
    resident_user = world.users["resident"]
    assert list(Resident.objects.visible_to(resident_user)) == [world.resident]
