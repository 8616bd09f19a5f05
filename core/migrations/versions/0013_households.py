"""一户一档: a household's group (村民小组) and whether it is still on file, its phone indexed for
the cases it reported; serving party members (在职党员进社区), the households they serve, and
which of them made a visit; the citizens' panel (民事民议): its representatives, a case's drawn
panel with its seed and pool, and the seats with their votes; 片组户: each group's link leaders
(联户长), the households each keeps in touch with, and spot-check visits

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_leader',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('group_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('link_leader', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_leader_village_id'), ['village_id'], unique=False)
    op.create_table('party_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('key_selected', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('party_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_member_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_party_member_unit_id'), ['unit_id'], unique=False)
    op.create_table('party_member_household',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['party_member.id'], ),
    sa.PrimaryKeyConstraint('member_id', 'household_id')
    )
    with op.batch_alter_table('party_member_household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_party_member_household_household_id'), ['household_id'], unique=False)
    op.create_table('panel_representative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('panel_representative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_representative_township_id'), ['township_id'], unique=False)
    op.create_table('panel_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('pool', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('heard_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['township_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id')
    )
    op.create_table('panel_seat',
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=False),
    sa.Column('vote', sa.String(length=13), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['panel_draw.id'], ),
    sa.ForeignKeyConstraint(['representative_id'], ['panel_representative.id'], ),
    sa.PrimaryKeyConstraint('draw_id', 'representative_id')
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_member_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_visit_party_member_id'), ['party_member_id'], unique=False)
        batch_op.create_foreign_key('fk_visit_party_member_id', 'party_member', ['party_member_id'], ['id'])
        batch_op.add_column(sa.Column('spot_check', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.alter_column('spot_check', server_default=None)
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('link_leader_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_household_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_link_leader_id'), ['link_leader_id'], unique=False)
        batch_op.create_foreign_key('fk_household_link_leader_id', 'link_leader', ['link_leader_id'], ['id'])
    with op.batch_alter_table('household', schema=None) as batch_op:  # the defaults only filled the rows there were
        batch_op.alter_column('group_name', server_default=None)
        batch_op.alter_column('active', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('spot_check')
        batch_op.drop_constraint('fk_visit_party_member_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_visit_party_member_id'))
        batch_op.drop_column('party_member_id')
    op.drop_table('panel_seat')
    op.drop_table('panel_draw')
    op.drop_table('panel_representative')
    op.drop_table('party_member_household')
    op.drop_table('party_member')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_constraint('fk_household_link_leader_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_household_link_leader_id'))
        batch_op.drop_column('link_leader_id')
        batch_op.drop_index(batch_op.f('ix_household_phone'))
        batch_op.drop_column('active')
        batch_op.drop_column('group_name')
    op.drop_table('link_leader')
